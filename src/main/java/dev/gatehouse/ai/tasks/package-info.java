/**
 * Server-side prompt templates ("tasks") behind {@code POST /v1/tasks/{task}}: a plan may allow
 * tasks without allowing raw chat, so the template fixes the prompt and the caller only fills
 * typed, validated variables.
 *
 * <p>Owns the task definitions ({@code gateway/tasks/*.json} on the classpath), their checking at
 * start, request validation, rendering into an OpenAI Chat Completions request body, and checking
 * a model's JSON answer against the task's schema. Caller errors are {@code Refusal}s.
 *
 * <p>Must not touch providers, routing, quotas or HTTP: it hands a request body to the integrator
 * and receives the assistant's text back. Variables only ever land in tagged data sections of the
 * user message, never in the system prompt.
 */
package dev.gatehouse.ai.tasks;
