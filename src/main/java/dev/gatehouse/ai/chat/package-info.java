/**
 * The canonical chat request and answer, in OpenAI Chat Completions JSON: the validated
 * {@link dev.gatehouse.ai.chat.ChatRequest}, {@link dev.gatehouse.ai.chat.Completion}, the JSON
 * builders every dialect shares ({@link dev.gatehouse.ai.chat.OpenAiJson}), token counting with the
 * tokenizer ({@link dev.gatehouse.ai.chat.TokenCounter}), and what a call cost
 * ({@link dev.gatehouse.ai.chat.Usage}, {@link dev.gatehouse.ai.chat.Outcome}).
 *
 * <p>Must not touch: providers, HTTP, streaming, the database. Everything else in {@code ai} builds on this.
 */
package dev.gatehouse.ai.chat;
