/**
 * The caller's side of a streamed answer: {@link dev.gatehouse.ai.stream.SseSink} (implemented by
 * {@link dev.gatehouse.ai.stream.SseWriter} over the HTTP response), and
 * {@link dev.gatehouse.ai.stream.StreamRelay}, which forwards OpenAI chunks to it, rewrites the
 * model name, captures usage, counts what was generated when the provider did not say, and notices
 * when the caller left ({@link dev.gatehouse.ai.stream.CallerGone}).
 *
 * <p>Must not touch: providers (they push chunks into the relay), routing, the database.
 */
package dev.gatehouse.ai.stream;
