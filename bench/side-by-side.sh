#!/usr/bin/env bash
# W1 side by side: dtm4j and a dtm binary on the same store, alternated, on this machine.
# W1 = wrk, 2 threads, C connections; every request submits a new 2-branch saga with empty branch URLs
# and wait_result (coordinator cost only). Each round: a fresh server and fresh data, WARMUP s of load
# (the JVM's JIT needs about 40 s on 2 cores to settle), then DURATION s measured. Absolute figures move
# by 2x between machines and runs; compare the ratio, measured in one sitting.
#
# Usage: side-by-side.sh SERVER_JAR [STORES] [ROUNDS]
#   SERVER_JAR  e.g. server/target/dtm4j-server.jar
#   STORES      any of: embedded redis postgres mysql (default: all four); embedded runs dtm on BoltDB
# Environment: JAVA (default: a JDK 21+ under /usr/lib/jvm), JAVA_OPTS (extra JVM options of dtm4j),
#   C (10), WARMUP (40; 0 measures the cold start: DURATION s from the first answer), DURATION (10),
#   DTM (required: a dtm server binary, e.g. built from github.com/dtm-labs/dtm; its SQL schemas
#   dtm-schema.postgres.sql / dtm-schema.mysql.sql, dtm's sqls/dtmsvr.storage.*.sql, beside it),
#   BUSI (base URL of a business service; empty: empty URLs)
# Needs: wrk (apt-get install wrk), psql / mysql / redis-cli for the shared stores.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stores.sh"
find_java
JAR=${1:?usage: side-by-side.sh SERVER_JAR [STORES] [ROUNDS]}
STORES=${2:-"embedded redis postgres mysql"}
ROUNDS=${3:-2}
C=${C:-10}; WARMUP=${WARMUP:-40}; DURATION=${DURATION:-10}
DTM=${DTM:?set DTM to a dtm server binary}
PEER=$(cd "$(dirname "$DTM")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
[ -x "$DTM" ] || { echo "no dtm peer at $DTM"; exit 1; }
W=$(mktemp -d /tmp/side-by-side-XXXXXX)


measure() { # kind store round -> "sagas/s p99 non2xx server-cpu-ms-per-saga"
  local kind=$1 st=$2 r=$3 dir="$W/$2-$1-$3" http grpc pid cmd
  mkdir -p "$dir"; http=$(free_port); grpc=$(free_port)
  { printf 'HttpPort: %s\nGrpcPort: %s\nLogLevel: warn\n' "$http" "$grpc"; store_yaml "$st" "$kind" "$r"; } > "$dir/conf.yml"
  if [ "$kind" = dtm ]; then cmd="$DTM"; else cmd="$JAVA ${JAVA_OPTS:-} -jar $(readlink -f "$JAR")"; fi
  ( cd "$dir" && STORE_DATA_DIR="$dir/data" exec $cmd -c "$dir/conf.yml" > "$dir/server.log" 2>&1 ) & pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/api/dtmsvr/newGid" >/dev/null && break; sleep 0.5; done
  [ "$WARMUP" -gt 0 ] && wrk -t2 -c"$C" -d"${WARMUP}s" -s "$HERE/w1.lua" "http://127.0.0.1:$http" >/dev/null 2>&1
  local t0 t1; t0=$(awk '{print $14+$15}' /proc/$pid/stat)
  wrk -t2 -c"$C" -d"${DURATION}s" --latency -s "$HERE/w1.lua" "http://127.0.0.1:$http" > "$dir/wrk.txt" 2>&1
  t1=$(awk '{print $14+$15}' /proc/$pid/stat)
  kill "$pid"; wait "$pid" 2>/dev/null
  [ "$st" = redis ] && drop_redis_prefix "$kind" "$r"
  awk -v cpu=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '/Requests\/sec/{r=$2} / 99%/{p=$2} /Non-2xx/{e=$5}
    END{printf "%s %s %s %.3f\n", r, p, (e==""?0:e), (r>0? cpu*1000/hz/(r*'"$DURATION"') : 0)}' "$dir/wrk.txt"
}

echo "W1 side by side: $C connections, warm-up ${WARMUP}s, measured ${DURATION}s, $ROUNDS rounds; logs in $W"
printf '%-9s %-6s %10s %9s %7s %16s\n' store server sagas/s p99 errors cpu-ms/saga
for st in $STORES; do
  o=(); t=()
  for r in $(seq 1 "$ROUNDS"); do
    o+=("$(measure dtm4j "$st" "$r")"); t+=("$(measure dtm "$st" "$r")")
  done
  for x in "${o[@]}"; do printf '%-9s %-6s %10s %9s %7s %16s\n' "$st" dtm4j $x; done
  for x in "${t[@]}"; do printf '%-9s %-6s %10s %9s %7s %16s\n' "$st" dtm $x; done
  printf '%s\n' "${o[@]}" > "$W/o"; printf '%s\n' "${t[@]}" > "$W/t"
  awk -v st="$st" 'NR==FNR{a+=$1; ac+=$4; n++; next} {b+=$1; bc+=$4; m++}
    END{printf "%s: dtm4j %.0f/s, dtm %.0f/s, ratio %.2f; cpu per saga dtm4j %.3f ms, dtm %.3f ms\n", st, a/n, b/m, (b>0? (a/n)/(b/m) : 0), ac/n, bc/m}' "$W/o" "$W/t"
done
