/**
 * The gateway config: {@link dev.gatehouse.ai.config.GatewayConfigLoader} reads
 * {@code GATEHOUSE_CONFIG} (or the built-in default) once at start, validates it whole and reports
 * every problem with its JSON path; the result is immutable records (providers, deployments,
 * routes, retry and breaker policies, request limits) that the rest of {@code ai} reads.
 *
 * <p>Must not touch: HTTP, the database, any other {@code ai} sub-package. Provider keys are read
 * from the environment here and kept in {@link dev.gatehouse.ai.config.Provider}; they are never
 * part of a message, a log line or {@code describe()}.
 */
package dev.gatehouse.ai.config;
