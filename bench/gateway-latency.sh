#!/usr/bin/env bash
# Gateway added latency: fixed-rate open-loop load on loopback, direct vs through the gateway.
# Usage: bench/gateway-latency.sh [rates, default 200,500,1000] [seconds per phase, default 10]
# Bounded: (2 warm-up phases of 5 s) + 2 phases per rate; everything stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
exec java -Xmx2g -DGATEHOUSE_LOG_LEVEL=WARN -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
  dev.gatehouse.bench.GatewayLatencyBench "${1:-200,500,1000}" "${2:-10}"
