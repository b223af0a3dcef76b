package dev.gatehouse.jobs;

/**
 * Told what became of each attempt at a queued row, for metrics and the status page. Called on the
 * attempt's own thread after its outcome is known; must be cheap and must not throw.
 */
@FunctionalInterface
public interface QueueEvents {
    QueueEvents NONE = (queue, kind, result) -> { };

    /** A row's data that names its kind (a job kind, an email template): a bounded label. */
    interface Kinded {
        String kind();
    }

    /**
     * @param queue  the queue's name ({@code email-outbox}, {@code jobs})
     * @param kind   the row's kind, or the queue's name when the row does not say
     * @param result {@code done}, {@code retry} (failed, waiting for another attempt), {@code dead},
     *               {@code deferred} or {@code skipped}
     */
    void finished(String queue, String kind, String result);

    /** The result label of an outcome, given how many attempts the row has used. */
    static String result(Outcome outcome, int attempts, int maxAttempts) {
        return switch (outcome) {
            case Outcome.Done d -> "done";
            case Outcome.Fail f -> "dead";
            case Outcome.Retry r -> attempts >= maxAttempts ? "dead" : "retry";
            case Outcome.Defer d -> "deferred";
            case Outcome.Skip s -> "skipped";
        };
    }
}
