/** Operational endpoints: liveness and readiness. Must not change state. */
package dev.gatehouse.ops;
