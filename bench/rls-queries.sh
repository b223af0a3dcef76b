#!/usr/bin/env bash
# RLS query cost: front-end queries as an authenticated user through RLS, with and without the
# client's owner filter, against the same query as service_role, on bench/rls-data.sql (100k users,
# 1.5M progress rows); phases: "before" (older than 20261202600000), "main" (older than
# 20261206300000: the policies that call helpers) and "after" (every migration: the teacher arm a column).
# Usage: bench/rls-queries.sh [scale, default 1] [runs per query, default 21] [report, default bench/rls-results.md] [phases, default main,after; also before]
# Each query runs one-shot and prepared as PostgREST runs it (db-prepared-statements = true).
# One JVM, embedded PostgreSQL on loopback; bounded (timeout) and exits by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/java-env.sh   # JAVA_HOME, PATH and $cp
timeout 1200 java -Xmx1g -DGATEHOUSE_LOG_LEVEL=WARN -cp "$cp" dev.gatehouse.bench.RlsQueryBench "${1:-1}" "${2:-21}" "${3:-bench/rls-results.md}" "${4:-main,after}"
