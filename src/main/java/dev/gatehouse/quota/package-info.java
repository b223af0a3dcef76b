/**
 * Per-plan quotas and per-user rate limits for the AI gateway. Owns admission and settlement. All
 * limits are counted in Postgres ({@code private.ai_*}), so any number of instances share exact
 * limits. Requests that are not streams are admitted from per-instance quota leases
 * ({@link dev.gatehouse.quota.QuotaLeases}): a block of a user's requests, rate tokens and quota
 * tokens taken in one round trip and counted in Postgres at once, the user's next requests admitted
 * in memory against it (for at most 3 s: the plan it carries is never older), their settlements
 * written as ledger rows every 200 ms and as counters when the lease retires. Streams are admitted one by one (one SQL round trip
 * that checks and reserves, grouped with those arriving together) and settled in batches.
 * Must not call providers or know about HTTP beyond the rate-limit headers it renders.
 */
package dev.gatehouse.quota;
