/**
 * The images and embeddings requests of the gateway: OpenAI's Create image and Create embeddings
 * bodies, validated with every refusal naming its field ({@link dev.gatehouse.ai.media.MediaRequests}),
 * and how an image is metered ({@link dev.gatehouse.ai.media.ImageMeter}). {@link dev.gatehouse.ai.MediaGateway}
 * routes them.
 *
 * <p>Depends on {@code ai.chat} (the tokenizer) only. Must not touch: providers, routing, quotas,
 * HTTP or the database; refusals are {@link dev.gatehouse.refusal.Refusal}s.
 */
package dev.gatehouse.ai.media;
