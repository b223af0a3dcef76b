package dev.gatehouse.quota;

/**
 * Told about admissions, charges and settlement, for metrics and the status page. Called on the
 * request's or the settler's thread; must be cheap and must not throw. Labels are bounded: plan ids,
 * model aliases and refusal reasons, never users or requests.
 */
public interface QuotaEvents {
    QuotaEvents NONE = new QuotaEvents() { };

    default void admitted(String plan, String model) { }

    default void rejected(String plan, Admission.Reason reason) { }

    /** What a finished request used, by the plan it was admitted on and the model alias it asked for. */
    default void charged(String plan, String model, int promptTokens, int completionTokens) { }

    /** A batch of {@code rows} settlements was written; the oldest had waited {@code oldestWaitNanos} since it was queued. */
    default void settled(int rows, long oldestWaitNanos) { }

    /**
     * A request's admission waited {@code waitedNanos} for a quota lease to be taken in Postgres (its own take or its
     * user's), instead of being admitted in memory: how often and how long admission is on Postgres' path.
     */
    default void leaseWaited(long waitedNanos) { }

    /** Checks added {@code requests} to busy quota leases, counted in Postgres, so their users need no take. */
    default void leaseGrown(int requests) { }
}
