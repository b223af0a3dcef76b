/**
 * Redaction: the shapes of the credentials the service handles (JWTs, {@code gh_} keys, Stripe,
 * provider and Resend keys, webhook secrets, bearer values) and masking them in text that leaves
 * for an operator (logs, Sentry, stored failure reasons). Depends on nothing, so every package may use it.
 */
package dev.gatehouse.redaction;
