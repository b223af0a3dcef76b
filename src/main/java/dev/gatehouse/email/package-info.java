/**
 * Email delivery: the outbox worker that drains {@code private.email_outbox} (filled by triggers in
 * the transaction that causes each email), templates, Resend, the dev file mailbox, and Supabase
 * Auth's Send Email hook (signature check and the auth emails it queues).
 *
 * <p>Uses the queue mechanism of {@link dev.gatehouse.jobs}. Must not import {@code web} or
 * {@code cli}; refusals are {@link dev.gatehouse.refusal.Refusal}. Never logs an address's secrets:
 * auth links and tokens stay in the outbox row and the email.
 */
package dev.gatehouse.email;
