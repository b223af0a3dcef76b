package dev.gatehouse.jobs;

/**
 * How one queue table spells the shared bookkeeping: the mechanism is the same for every queue,
 * only these names differ. Every queue table has {@code id}, {@code status}, {@code attempts},
 * {@code max_attempts}, {@code locked_at}, {@code locked_by} and {@code last_error}.
 *
 * @param table         schema-qualified table name
 * @param channel       the NOTIFY channel its insert trigger raises
 * @param dueColumn     when a pending or failed row is due ({@code next_attempt_at}, {@code run_at})
 * @param claimedStatus the status of a row a worker holds ({@code sending}, {@code running})
 * @param doneStatus    the status of a finished row ({@code sent}, {@code succeeded})
 * @param doneAtColumn  stamped when a row is done ({@code sent_at}, {@code finished_at})
 * @param refColumn     where a done row's reference goes (a provider's message id), or null
 * @param dataColumns   the columns a handler reads, comma-separated
 * @param onFinish      extra assignments when a row is finished for good (done, dead, skipped), or ""
 */
public record QueueTable(String table, String channel, String dueColumn, String claimedStatus, String doneStatus,
        String doneAtColumn, String refColumn, String dataColumns, String onFinish) {

    public static final QueueTable EMAIL_OUTBOX = new QueueTable("private.email_outbox", "email_outbox", "next_attempt_at",
            "sending", "sent", "sent_at", "provider_message_id",
            "channel, to_email, to_phone, user_id, template, data, idempotency_key, created_at",
            // auth emails carry one-time tokens and links: once delivered (or given up) they need not stay in the database
            ", data = case when template like 'auth\\_%' then '{}'::jsonb else data end");

    public static final QueueTable JOBS = new QueueTable("private.jobs", "jobs", "run_at",
            "running", "succeeded", "finished_at", null, "kind, payload, dedupe_key, created_at", "");

    public QueueTable {
        for (String name : new String[] {table, channel, dueColumn, claimedStatus, doneStatus, doneAtColumn, dataColumns}) {
            if (name == null || !name.matches("[a-z_., ]+")) {
                throw new IllegalArgumentException("queue table names must be plain identifiers: " + name);
            }
        }
    }
}
