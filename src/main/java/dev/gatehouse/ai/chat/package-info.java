/**
 * The canonical chat request and answer, in OpenAI Chat Completions JSON: the validated
 * {@link dev.gatehouse.ai.chat.ChatRequest}, {@link dev.gatehouse.ai.chat.Completion} (and the
 * {@link dev.gatehouse.ai.chat.Answer} an upstream attempt gives), the byte relay of
 * OpenAI-compatible answers and chunks ({@link dev.gatehouse.ai.chat.OpenAiRelay}: the upstream's
 * bytes with the model rewritten, no tree), the JSON builders every dialect shares
 * ({@link dev.gatehouse.ai.chat.OpenAiJson}), token counting with the tokenizer
 * ({@link dev.gatehouse.ai.chat.TokenCounter}), and what a call cost
 * ({@link dev.gatehouse.ai.chat.Usage}, {@link dev.gatehouse.ai.chat.Outcome}).
 *
 * <p>Must not touch: providers, HTTP, streaming, the database. Everything else in {@code ai} builds on this.
 */
package dev.gatehouse.ai.chat;
