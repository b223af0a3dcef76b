#!/usr/bin/env bash
# RLS query cost: front-end queries as an authenticated user through RLS, with and without the
# client's owner filter, against the same query as service_role, before and after the RLS
# query-cost migrations (20261202600000+), on bench/rls-data.sql (100k users, 1.5M progress rows).
# Usage: bench/rls-queries.sh [scale, default 1] [runs per query, default 15] [report, default bench/rls-results.md]
# One JVM, embedded PostgreSQL on loopback; bounded (timeout) and exits by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -B -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
timeout 1200 java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN ${RLS_BENCH_JAVA_OPTS:-} -cp "$cp" dev.gatehouse.bench.RlsQueryBench "${1:-1}" "${2:-15}" "${3:-bench/rls-results.md}" "${4:-before,after}"
