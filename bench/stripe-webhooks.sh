#!/usr/bin/env bash
# Stripe webhook throughput: events applied per second (20% duplicates) vs the bare signed round trip.
# Usage: bench/stripe-webhooks.sh [seconds per phase, default 15] [concurrent clients, default 32] [connection pool, default 20] [serial events, default 0]
# With a fourth argument N > 0 it measures instead CPU per event with one client, one event at a time
# (rounds of N events; robust to the neighbours' load): bench/stripe-webhooks.sh 15 1 20 2000
# With N < 0 it calls the webhook's transaction directly (no HTTP, no service, no workers), |N| events
# per round on one connection, and reports that backend's and thread's CPU: bench/stripe-webhooks.sh 15 1 1 -3000
# Environment: EMAIL_WORKER=off (the service's outbox worker does not deliver during the phases),
# EMAIL_WORKER=resend (it delivers as in production: through Resend, a local stand-in here, paced at
# EMAIL_RATE_PER_SECOND, default 2/s); unset, it delivers to the dev mailbox at full speed,
# BENCH_AB=a.sql:b.sql (direct mode: rounds alternate between two files of create-or-replace functions;
# BENCH_AB_ROUNDS=N rounds, default 7, the first a warm-up),
# BENCH_FUNCTIONS=1 (direct mode: wall time per event in each SQL function, triggers included, over the last round),
# BENCH_PROFILE=file (serial mode: async-profiler over the last webhook round, collapsed stacks to file).
# One JVM: embedded Postgres, the service, a signature-only baseline server and the load generator,
# all on 127.0.0.1. Bounded: each phase stops after its seconds (plus 10 s warm-ups).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
seconds="${1:-15}"
clients="${2:-32}"
pool="${3:-20}"
serial="${4:-0}"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
timeout $(( 4 * seconds + 400 )) java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN -DGATEHOUSE_ACCESS_LOG_LEVEL="${GATEHOUSE_ACCESS_LOG_LEVEL:-INFO}" -cp "$cp" dev.gatehouse.bench.WebhookThroughputBench "$seconds" "$clients" "$pool" "$serial"
