/**
 * Talking to models: {@link dev.gatehouse.ai.provider.Upstream#of} picks, per deployment, the HTTP
 * upstream with its provider's dialect (OpenAI-compatible, or Anthropic Messages translated both
 * ways, including its event stream in {@code AnthropicStream}) or the offline dev-echo model. The
 * HTTP upstream owns the wire: request building, SSE reading, timeouts, cancellation, and turning
 * every fault into an {@link dev.gatehouse.ai.provider.UpstreamFailure} of a known kind, with the
 * provider's {@code Retry-After}. For images and embeddings, {@link dev.gatehouse.ai.provider.MediaUpstream#of}
 * does the same: an OpenAI-compatible provider's {@code /images/generations} or {@code /embeddings},
 * or dev-echo's deterministic unit vectors and labelled PNGs ({@code DevEchoMedia}, {@code DevEchoPicture}).
 *
 * <p>Must not touch: routing decisions (retry, fallback, breakers are {@code ai.routing}'s), quotas,
 * the database. Dialects stay package-private: add a provider kind here, not in callers.
 */
package dev.gatehouse.ai.provider;
