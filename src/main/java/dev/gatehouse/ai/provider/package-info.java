/**
 * Talking to models: {@link dev.gatehouse.ai.provider.Upstream#of} picks, per deployment, the HTTP
 * upstream with its provider's dialect (OpenAI-compatible, or Anthropic Messages translated both
 * ways, including its event stream in {@code AnthropicStream}) or the offline dev-echo model. The
 * HTTP upstream owns the wire: request building, SSE reading, timeouts, cancellation, and turning
 * every fault into an {@link dev.gatehouse.ai.provider.UpstreamFailure} of a known kind, with the
 * provider's {@code Retry-After}.
 *
 * <p>Must not touch: routing decisions (retry, fallback, breakers are {@code ai.routing}'s), quotas,
 * the database. Dialects stay package-private: add a provider kind here, not in callers.
 */
package dev.gatehouse.ai.provider;
