package dev.gatehouse.ai.routing;

import dev.gatehouse.ai.config.Deployment;
import dev.gatehouse.ai.provider.Upstream;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

/** A deployment as a route uses it, built once at start: its model and its circuit breaker (shared by every route naming it). */
public record RouteStep(Deployment deployment, Upstream upstream, CircuitBreaker breaker) {
}
