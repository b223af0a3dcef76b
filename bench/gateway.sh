#!/usr/bin/env bash
# The gateway benchmark (issue 14): direct vs through the gateway, interleaved, in closed loop
# (concurrency 1, 16, 64), open loop (fixed rates up to saturation), 1 and 200 users, stream time to
# first byte (fast streams, and streams trickled 10 chunks 20 ms apart: ttfb-trickle), and thousands of
# trickling streams held at once. Writes bench/RESULTS.md.
# Usage: bench/gateway.sh [--quick] [--profile]
#   --quick    a few minutes (shorter phases, fewer rates); the full run takes about 12 minutes
#   --profile  an async-profiler CPU profile of the service during the closed-loop concurrency-16 phase
#   --streams-only  only the streams: time to first byte (ttfb, ttfb-trickle) and the many-streams phase,
#                   written to target/bench/RESULTS-streams.md (BENCH_STREAMS=N to hold fewer than 10,000)
#   --open-only  only the p99 target's phase (open loop, 1,000 req/s, 200 users), BENCH_OPEN_RUNS times (default 5),
#                each interleaved with the direct target; the log ends with each run's added p50 and p99 and their
#                medians (one run's p99 moves by milliseconds on shared cores: compare builds by the median)
#   BENCH_STREAMS_PER_SECOND=N  how fast the many-streams phase opens its streams (default 800)
#   BENCH_SERVICE_JAVA_OPTS, BENCH_UPSTREAM_JAVA_OPTS: extra JVM options for the service or the upstream alone
#   BENCH_PROFILE_EVENT=alloc with --profile: where the heap is allocated instead of CPU
#   BENCH_PROFILE_PHASE=ttfb (or ttfb-trickle, or open: the open loop at 1,000 req/s) with --profile: profile that phase instead of the closed loop
#   GATEHOUSE_QUOTA_LEASES=off: per-request admission in Postgres, for an A/B in one build
#   DATABASE_URL=... runs the service against that Postgres (migrated, bench users added) instead
#   of an embedded one.
# Loopback only. Three JVMs (upstream, service, load generator), each stopped by PID on exit and each
# ending by itself after its bound.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
for a in "$@"; do
  case "$a" in
    --quick) quick=true ;;
    --profile|--streams-only|--open-only) ;;
    *) echo "unknown option: $a (use --quick, --profile, --streams-only, --open-only)" >&2; exit 2 ;;
  esac
done
JAVA_HOME="$(./gatehouse jdk)"   # a JDK 21+, found as ./gatehouse finds it
export JAVA_HOME PATH="$JAVA_HOME/bin:$PATH"
nice -n 10 ./mvnw -q -B -ntp -DskipTests test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat target/bench-classpath.txt)"
mkdir -p target/bench
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
if $quick; then bound=900; else bound=1800; fi
# The service holds one socket per stream for its caller (the upstream's HTTP/2 multiplexes them
# over a few connections): stay inside this shell's open-files limit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fds=$(ulimit -n)
streams=$(( fds - 1000 ))
[ "$streams" -gt 10000 ] && streams=10000
# BENCH_STREAMS=N holds fewer (to look at that phase quickly); never more than the limit allows.
[ -n "${BENCH_STREAMS:-}" ] && [ "$BENCH_STREAMS" -lt "$streams" ] && streams=$BENCH_STREAMS
jvm=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -DGATEHOUSE_LOG_LEVEL=WARN -cp "$cp")
# The upstream and the load generator run G1; the service runs BENCH_SERVICE_GC (default: G1, as the
# JVM picks on this machine; -XX:+UseZGC to compare a concurrent collector).
service_gc="${BENCH_SERVICE_GC:--XX:+UseG1GC}"
# The streams phase's upstream speaks HTTP/2 over TLS, as providers' APIs do: a throwaway self-signed
# key for 127.0.0.1 (JDK keytool), and a trust store holding only its certificate for the service.
pass="bench-$RANDOM$RANDOM"
keytool -genkeypair -alias bench -keyalg EC -groupname secp256r1 -dname CN=127.0.0.1 -ext san=ip:127.0.0.1 -validity 2 \
  -storetype PKCS12 -keystore "$work/upstream.p12" -storepass "$pass" >/dev/null 2>&1
keytool -exportcert -alias bench -keystore "$work/upstream.p12" -storepass "$pass" -file "$work/upstream.crt" >/dev/null 2>&1
keytool -importcert -noprompt -alias bench -file "$work/upstream.crt" -storetype PKCS12 -keystore "$work/trust.p12" \
  -storepass "$pass" >/dev/null 2>&1
# BENCH_UPSTREAM_JAVA_OPTS: extra JVM options for the upstream alone (e.g. -Xlog:gc:file=upstream-gc.log).
# shellcheck disable=SC2086
java -Xmx1g -XX:+UseG1GC ${BENCH_UPSTREAM_JAVA_OPTS:-} "${jvm[@]}" dev.gatehouse.bench.GatewayBench upstream "$work/upstream-port" "$bound" "$work/upstream.p12" "$pass" &
pids+=($!)
for _ in $(seq 1 60); do [ -s "$work/upstream-port" ] || ! kill -0 "${pids[-1]}" 2>/dev/null && break; sleep 1; done
[ -s "$work/upstream-port" ] || { echo "the bench upstream did not start" >&2; exit 1; }
# The service's heap is capped at the design's 1 GiB: the streams phase must fit in it.
# BENCH_SERVICE_JAVA_OPTS: extra JVM options for the service alone (e.g. -Djdk.pollerMode=1 to compare).
# shellcheck disable=SC2086
java -Xmx1g -Djavax.net.ssl.trustStore="$work/trust.p12" -Djavax.net.ssl.trustStorePassword="$pass" -Djavax.net.ssl.trustStoreType=PKCS12 \
  $service_gc ${BENCH_SERVICE_JAVA_OPTS:-} "${jvm[@]}" dev.gatehouse.bench.GatewayBench serve "$work/endpoints" "http://127.0.0.1:$(cat "$work/upstream-port")" "$bound" \
  "https://127.0.0.1:$(cat "$work/upstream-port.tls")" &
pids+=($!)
for _ in $(seq 1 240); do [ -s "$work/endpoints" ] || ! kill -0 "${pids[-1]}" 2>/dev/null && break; sleep 1; done
[ -s "$work/endpoints" ] || { echo "the bench service did not start" >&2; exit 1; }
echo "service up; streams phase: $streams streams (open-files limit $fds); load average $(cut -d' ' -f1-3 /proc/loadavg)"
timeout "$bound" java -Xmx2g -XX:+UseG1GC "${jvm[@]}" dev.gatehouse.bench.GatewayBench load "$work/endpoints" "$streams" bench/RESULTS.md "$@"
case " $* " in
  *" --open-only "*) ;;
  *" --streams-only "*) echo "wrote target/bench/RESULTS-streams.md" ;;
  *) echo "wrote bench/RESULTS.md" ;;
esac
