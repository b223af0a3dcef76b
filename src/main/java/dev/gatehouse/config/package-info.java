/**
 * Configuration read once at start: the environment (and {@code .env}) into the typed, validated
 * {@link dev.gatehouse.config.Settings}, every problem reported together; the dev data dir's secret.
 * Nothing else in the service reads the environment. Must not open network connections.
 */
package dev.gatehouse.config;
