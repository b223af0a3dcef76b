/**
 * Per-plan quotas and per-user rate limits for the AI gateway. Owns admission (one SQL round trip
 * that checks and reserves) and settlement (actual usage, written after the response). All state
 * lives in Postgres ({@code private.ai_*}), so any number of instances share exact limits.
 * Must not call providers or know about HTTP beyond the rate-limit headers it renders.
 */
package dev.gatehouse.quota;
