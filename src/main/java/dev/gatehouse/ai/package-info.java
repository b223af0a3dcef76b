/**
 * The AI gateway's upstream side: the gateway config file, provider adapters (OpenAI-compatible,
 * Anthropic Messages, the offline dev-echo model), routing with fallback, retries, circuit breakers
 * and the streaming relay. The canonical format in and out is OpenAI Chat Completions.
 *
 * <p>Entry points: {@link dev.gatehouse.ai.GatewayConfigLoader} (read once at start),
 * {@link dev.gatehouse.ai.Gateway} ({@code parse}, {@code complete}, {@code stream},
 * {@code servableModels}) and {@link dev.gatehouse.ai.SseSink}, which the HTTP layer implements.
 *
 * <p>Must not touch: quotas and admission, auth, HTTP routing, the database. Those call in here;
 * nothing here calls out to them. Provider keys live only in {@link dev.gatehouse.ai.Provider}
 * and in request headers sent upstream: never in logs, exception messages or caller responses.
 */
package dev.gatehouse.ai;
