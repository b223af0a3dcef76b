/**
 * Durable work queues in Postgres and the background jobs that need the service's secrets.
 *
 * <p>The mechanism ({@link dev.gatehouse.jobs.DurableQueue}, {@link dev.gatehouse.jobs.QueueWorker},
 * {@link dev.gatehouse.jobs.Notifications}) is shared with the email outbox: claim due rows with
 * {@code FOR UPDATE SKIP LOCKED}, hold them under a lease, finish each with an
 * {@link dev.gatehouse.jobs.Outcome} (done, retry with backoff, defer without burning an attempt,
 * dead at once), dead-letter after {@code max_attempts}, wake on {@code LISTEN/NOTIFY} and poll as a
 * fallback. Only the data varies: {@link dev.gatehouse.jobs.QueueTable} names a table's columns.
 *
 * <p>The jobs themselves (AI homework feedback, certificates, meeting links, hourly pruning) live here too. Owns
 * {@code private.jobs}; must not import {@code web} or {@code cli}; refusals are
 * {@link dev.gatehouse.refusal.Refusal}.
 */
package dev.gatehouse.jobs;
