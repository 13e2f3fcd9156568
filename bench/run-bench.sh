#!/usr/bin/env bash
# Runs the saga bench against a fresh dtm4j server per run (embedded store in a new temp dir).
# Usage: bench/run-bench.sh [MODES] [CLIENTS]   e.g. bench/run-bench.sh "empty stub" "10 50 100"
# Environment: JAVA_HOME, PORT (36789), DURATION (20), WARMUP (5), OUT (bench-results.txt),
#   PERF=1 also counts the server's fsync calls during the measurement (needs perf and tracepoints),
#   SERVER_JAR (server/target/dtm4j-server.jar) to compare builds.
#   STORE_* variables reach the server: with STORE_DRIVER=postgres|mysql each run gets a fresh
#   database dtm4j_bench_<pid>_<n> (dropped afterwards with psql/mysql), with redis a fresh prefix.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA="${JAVA_HOME:?set JAVA_HOME}/bin/java"
MODES="${1:-empty stub}"
CLIENTS="${2:-10 50}"
PORT="${PORT:-36789}"
DURATION="${DURATION:-20}"
WARMUP="${WARMUP:-5}"
OUT="${OUT:-bench-results.txt}"
SERVER_JAR="${SERVER_JAR:-server/target/dtm4j-server.jar}"
run=0

drop_store() {
  case "${STORE_DRIVER:-}" in
    postgres) psql -q -h "$STORE_HOST" -p "$STORE_PORT" -U "$STORE_USER" -d postgres \
                -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null || true ;;
    mysql) mysql -h "$STORE_HOST" -P "$STORE_PORT" -u "$STORE_USER" ${STORE_PASSWORD:+-p"$STORE_PASSWORD"} \
             -e "DROP DATABASE IF EXISTS $1" || true ;;
    redis) redis-cli -h "$STORE_HOST" -p "$STORE_PORT" --scan --pattern "$1*" \
             | xargs -r -n 500 redis-cli -h "$STORE_HOST" -p "$STORE_PORT" DEL >/dev/null || true ;;
  esac
}

for mode in $MODES; do
  for clients in $CLIENTS; do
    data=$(mktemp -d /tmp/dtm4j-bench-XXXXXX)
    run=$((run + 1))
    fresh="dtm4j_bench_$$_$run"
    [ "${STORE_DRIVER:-}" = redis ] && fresh="{b$$_$run}"
    HTTP_PORT="$PORT" STORE_DATA_DIR="$data" LOG_LEVEL=warn STORE_DB="$fresh" STORE_REDIS_PREFIX="$fresh" \
      "$JAVA" -jar "$SERVER_JAR" > "$data.server.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
      curl -fs -o /dev/null "http://127.0.0.1:$PORT/api/dtmsvr/newGid" && break
      sleep 0.1
    done
    echo "=== $(date -u +%FT%TZ) mode=$mode clients=$clients store=${STORE_DRIVER:-embedded} jar=$SERVER_JAR server pid=$server data=$data" | tee -a "$OUT"
    if [ "${PERF:-0}" = 1 ]; then
      (sleep "$WARMUP"
       "${JAVA_HOME}/bin/jcmd" "$server" Thread.print > "$data.threads0" 2>/dev/null
       perf stat -x, -e syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync \
          -p "$server" -- sleep "$DURATION" 2> "$data.perf"
       "${JAVA_HOME}/bin/jcmd" "$server" Thread.print > "$data.threads1" 2>/dev/null) &
      perf_job=$!
    fi
    "$JAVA" -jar bench/target/dtm4j-bench.jar --dtm "http://127.0.0.1:$PORT/api/dtmsvr" \
      --clients "$clients" --duration "$DURATION" --warmup "$WARMUP" --mode "$mode" \
      --server-pid "$server" 2>&1 | tee -a "$OUT" || true
    if [ "${PERF:-0}" = 1 ]; then
      wait "$perf_job" 2>/dev/null || true
      awk -F, -v d="$DURATION" '/sys_enter/ {printf "server %s during the measurement: %s (%.0f/s)\n", $3, $1, $1/d}' \
        "$data.perf" | tee -a "$OUT"
      # CPU of the store's single writer thread over the same window (from the JVM's thread dump).
      w0=$(grep -o '"dtm4j-sqlite-writer".*cpu=[0-9.]*ms' "$data.threads0" | sed 's/.*cpu=//; s/ms//')
      w1=$(grep -o '"dtm4j-sqlite-writer".*cpu=[0-9.]*ms' "$data.threads1" | sed 's/.*cpu=//; s/ms//')
      if [ -n "$w0" ] && [ -n "$w1" ]; then
        awk -v a="$w0" -v b="$w1" -v d="$DURATION" \
          'BEGIN {printf "writer thread CPU during the measurement: %.2f cores\n", (b-a)/1000/d}' | tee -a "$OUT"
      fi
      # JIT compiler threads: a large figure means the warm-up was too short.
      j0=$(grep -o '"C[12] CompilerThread[0-9]*".*cpu=[0-9.]*ms' "$data.threads0" | sed 's/.*cpu=//; s/ms//' | paste -sd+ | bc)
      j1=$(grep -o '"C[12] CompilerThread[0-9]*".*cpu=[0-9.]*ms' "$data.threads1" | sed 's/.*cpu=//; s/ms//' | paste -sd+ | bc)
      if [ -n "$j0" ] && [ -n "$j1" ]; then
        awk -v a="$j0" -v b="$j1" -v d="$DURATION" \
          'BEGIN {printf "JIT compiler threads CPU during the measurement: %.2f cores\n", (b-a)/1000/d}' | tee -a "$OUT"
      fi
    fi
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    du -sh "$data" | tee -a "$OUT"
    drop_store "$fresh"
    rm -rf "$data" "$data".*
  done
done
