/**
 * Operations: liveness and readiness ({@code Health}), metrics ({@code Metrics}: Micrometer, the
 * listener of every domain's small event interface, and the recent history the status page draws),
 * who may read the operator views ({@code OpsAccess}), error reports to Sentry ({@code ErrorReports})
 * and the JSON log's secret masking ({@code SecretMasker}). Reads other domains only through their
 * event interfaces and stats; must not change state, and must not import {@code web} or {@code cli}.
 */
package dev.gatehouse.ops;
