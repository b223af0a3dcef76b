/**
 * The AI gateway's upstream side, as the HTTP edge calls it: {@link dev.gatehouse.ai.Gateway}
 * ({@code parse}, {@code complete}, {@code stream}, {@code servableModels}, breaker states) is the
 * one entry point. It builds the routes from the gateway config at start and runs each call through
 * routing, a provider and, for streams, the relay. The canonical format in and out is OpenAI Chat
 * Completions. {@link dev.gatehouse.ai.MediaGateway} is the entry point for images and embeddings
 * (OpenAI's Create image and Create embeddings), over the same routing and breakers.
 *
 * <p>Sub-packages, lowest first (each depends only on those before it):
 * <ul>
 *   <li>{@code ai.config}: the gateway config file, its loader and its typed records (providers,
 *       deployments, routes, retry, breakers, limits);</li>
 *   <li>{@code ai.chat}: the canonical request and answer (OpenAI's JSON), request validation,
 *       token counting, usage and outcomes;</li>
 *   <li>{@code ai.stream}: the caller side of a stream (the SSE writer and the relay that counts what
 *       was generated);</li>
 *   <li>{@code ai.provider}: the provider dialects (OpenAI-compatible, Anthropic Messages, offline
 *       dev-echo), the HTTP upstream, upstream SSE reading and translation, failure classification;</li>
 *   <li>{@code ai.routing}: one request's walk along its route: retries with backoff, fallback,
 *       circuit breakers, the overall deadline;</li>
 *   <li>{@code ai.tasks}: server-side prompt templates with typed variables and output schemas;</li>
 *   <li>{@code ai.media}: images and embeddings requests and the image meter.</li>
 * </ul>
 *
 * <p>Must not touch: quotas and admission, auth, HTTP routing, the database, {@code web} or
 * {@code cli}. Those call in here; nothing here calls out to them. Refusals are
 * {@link dev.gatehouse.refusal.Refusal}s. Provider keys live only in
 * {@link dev.gatehouse.ai.config.Provider} and in request headers sent upstream: never in logs,
 * exception messages or caller responses.
 */
package dev.gatehouse.ai;
