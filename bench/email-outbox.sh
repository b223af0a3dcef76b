#!/usr/bin/env bash
# Email outbox: rows delivered/s to a local fake Resend (rate limit lifted) vs the fake hit directly
# at the same concurrency, and the delay from the causing commit to the send (p50/p99).
# Usage: bench/email-outbox.sh [rows, default 3000] [concurrency, default 16] [delay rate/s, default 100] [delay seconds, default 10]
# One JVM (embedded Postgres, fake provider, worker): same clock for commit and receipt. Loopback
# only; bounded (every phase has a deadline) and exits by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
timeout 600 java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN -cp "$cp" dev.gatehouse.bench.OutboxBench "${1:-3000}" "${2:-16}" "${3:-100}" "${4:-10}"
