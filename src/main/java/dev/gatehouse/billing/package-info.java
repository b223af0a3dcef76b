/**
 * Stripe billing: Checkout sessions for plans and paid courses, the billing portal, one Stripe
 * customer per user, verified webhooks recorded once in {@code private.webhook_events} and applied
 * in the same transaction, and catch-up through Stripe's Events API. Turns payments into
 * {@code public.payments} and enrollments, and subscriptions into {@code public.subscriptions} rows
 * (Stripe's own status strings and billing period); which plan a subscription grants is decided by
 * the database's plan function, not here.
 * Refuses callers with {@link dev.gatehouse.refusal.Refusal}. Must not import {@code web} or
 * {@code cli}, nor touch quota counters or email templates (the payment email triggers react to
 * the rows written here).
 */
package dev.gatehouse.billing;
