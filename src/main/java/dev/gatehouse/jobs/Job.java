package dev.gatehouse.jobs;

/** One kind of background job; the queue's retry, backoff and dead-letter rules apply to its outcomes. */
public interface Job {
    /** The {@code private.jobs.kind} it runs, e.g. {@code certificate.issue}. */
    String kind();

    Outcome run(JobRow job) throws Exception;
}
