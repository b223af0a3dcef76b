#!/usr/bin/env bash
# Gateway added latency: fixed-rate open-loop load on loopback, direct vs through the gateway.
# Usage: bench/gateway-latency.sh [rates, default 200,500,1000] [seconds per phase, default 10]
# Two JVMs: the server side (embedded Postgres, local upstream, gateway) and the load generator.
# Bounded: the server stops by itself after the run's length plus a margin; it is also stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
rates="${1:-200,500,1000}"
seconds="${2:-10}"
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
endpoints="$(mktemp)"
rm -f "$endpoints"
n_rates=$(echo "$rates" | tr ',' '\n' | wc -l)
serve_for=$(( 60 + 2 * 30 + 2 * n_rates * (seconds + 5) ))
java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN -cp "$cp" dev.gatehouse.bench.GatewayLatencyBench serve "$endpoints" "$serve_for" &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -f "$endpoints"' EXIT
for _ in $(seq 1 120); do [ -s "$endpoints" ] && break; sleep 1; done
[ -s "$endpoints" ] || { echo "the bench server did not start" >&2; exit 1; }
java -Xmx1g -cp "$cp" dev.gatehouse.bench.GatewayLatencyBench load "$endpoints" "$rates" "$seconds"
