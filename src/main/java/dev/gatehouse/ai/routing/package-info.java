/**
 * One request's walk along its route ({@link dev.gatehouse.ai.routing.RouteAttempts}): deployments
 * in order, retries on the same deployment with exponential backoff and full jitter honouring the
 * provider's {@code Retry-After}, fallback on 429/5xx/timeouts/resets/malformed bodies (never on the
 * caller's own 4xx), the circuit breaker of each deployment
 * ({@link dev.gatehouse.ai.routing.RouteStep}), a per-attempt timeout and the overall deadline.
 *
 * <p>Must not touch: the wire format (that is {@code ai.provider}'s), quotas, the database.
 */
package dev.gatehouse.ai.routing;
