#!/usr/bin/env bash
# Postgres CPU per admitted-and-settled request, by way of admitting and settling (issue 14).
# Usage: bench/admission-cost.sh [requests per block, default 2000] [rounds, default 3]
# One JVM, one connection to an embedded Postgres on 127.0.0.1; the backend's own CPU from /proc; bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
requests="${1:-2000}"
rounds="${2:-3}"
nice -n 10 ./mvnw -q -B -ntp -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
timeout 900 java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN -cp "$cp" dev.gatehouse.bench.AdmissionCostBench "$requests" "$rounds"
