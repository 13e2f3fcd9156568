#!/usr/bin/env bash
# W1 on N server nodes sharing one store: N nodes of dtm4j (and of dtm, when DTM names its binary)
# start on a fresh database or Redis prefix; one wrk per node (1 thread, C/N connections, so the
# clients are spread over the nodes and the total load stays C connections) runs WARMUP s, then
# DURATION s measured (each wrk with its own GID_PREFIX: gids never collide across nodes). Prints sagas/s (all nodes), the nodes' CPU per saga, and the whole machine's
# busy CPU per saga and share (load generator and store included): on a small machine the store and
# wrk share the cores with the nodes, so these say what more cores would give (docs/benchmarks.md).
#
# Usage: scale-out.sh SERVER_JAR [STORES] [NODE_COUNTS]
#   STORES       any of: redis postgres mysql redis-cluster (default: postgres redis)
#   NODE_COUNTS  default "1 2 3"
# Environment: JAVA, JAVA_OPTS, DTM (dtm binary; unset: dtm4j only), C (12), WARMUP (40), DURATION (10),
#   CLUSTER (host:port of a Redis Cluster node for redis-cluster, default 127.0.0.1:7000)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stores.sh"
find_java
JAR=$(readlink -f "${1:?usage: scale-out.sh SERVER_JAR [STORES] [NODE_COUNTS]}")
STORES=${2:-"postgres redis"}
COUNTS=${3:-"1 2 3"}
C=${C:-12}; WARMUP=${WARMUP:-40}; DURATION=${DURATION:-10}; CLUSTER=${CLUSTER:-127.0.0.1:7000}
PEER=$( [ -n "${DTM:-}" ] && cd "$(dirname "$DTM")" && pwd)
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
W=$(mktemp -d /tmp/scale-out-XXXXXX)

busy() { awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat; } # busy and total ticks

yaml() { # store kind n
  if [ "$1" = redis-cluster ]; then
    printf "Store:\n  Driver: redis\n  Host: %s\n  Port: %s\n  Password: ''\n  RedisPrefix: '{sbs_%s_%s}'\n" \
      "${CLUSTER%:*}" "${CLUSTER#*:}" "$2" "$3"
  else
    store_yaml "$1" "$2" "$3"
  fi
}

run() { # kind store n -> "sagas/s node-cpu-ms/saga machine-cpu-ms/saga machine-busy-%"
  local kind=$1 st=$2 n=$3 dir="$W/$2-$1-$3" pids=() ports=() wrks=() ticks=0
  mkdir -p "$dir"
  yaml "$st" "$kind" "$n" > "$dir/store.yml"
  for i in $(seq 1 "$n"); do
    local http grpc cmd; http=$(free_port); grpc=$(free_port); ports+=("$http")
    { printf 'HttpPort: %s\nGrpcPort: %s\nLogLevel: warn\n' "$http" "$grpc"; cat "$dir/store.yml"; } > "$dir/conf$i.yml"
    if [ "$kind" = dtm ]; then cmd="$DTM"; else cmd="$JAVA ${JAVA_OPTS:-} -jar $JAR"; fi
    ( cd "$dir" && exec $cmd -c "$dir/conf$i.yml" > "$dir/server$i.log" 2>&1 ) &
    pids+=($!)
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/api/dtmsvr/newGid" >/dev/null && break; sleep 0.5; done
  done
  local per=$((C / n))
  for i in "${!ports[@]}"; do
    GID_PREFIX="w$i-" wrk -t1 -c"$per" -d"${WARMUP}s" -s "$HERE/w1.lua" "http://127.0.0.1:${ports[$i]}" >/dev/null 2>&1 &
    wrks+=($!)
  done
  wait "${wrks[@]}"; wrks=()
  for p in "${pids[@]}"; do ticks=$((ticks - $(awk '{print $14+$15}' /proc/$p/stat))); done
  local m0; m0=$(busy)
  for i in "${!ports[@]}"; do
    GID_PREFIX="m$i-" wrk -t1 -c"$per" -d"${DURATION}s" -s "$HERE/w1.lua" "http://127.0.0.1:${ports[$i]}" > "$dir/wrk$i.txt" 2>&1 &
    wrks+=($!)
  done
  wait "${wrks[@]}"
  local m1; m1=$(busy)
  for p in "${pids[@]}"; do ticks=$((ticks + $(awk '{print $14+$15}' /proc/$p/stat))); kill "$p"; done
  wait 2>/dev/null
  [ "$st" = redis ] && drop_redis_prefix "$kind" "$n"
  [ "$st" = redis-cluster ] && redis-cli -c -h "${CLUSTER%:*}" -p "${CLUSTER#*:}" --scan --pattern "{sbs_${kind}_$n}*" \
    | xargs -r -n 200 redis-cli -c -h "${CLUSTER%:*}" -p "${CLUSTER#*:}" DEL >/dev/null 2>&1
  cat "$dir"/wrk*.txt | awk -v cpu="$ticks" -v hz="$(getconf CLK_TCK)" -v m0="$m0" -v m1="$m1" -v d="$DURATION" '
    /Requests\/sec:/ { rate += $2 } /Non-2xx/ { bad += $4 }
    END { split(m0, a, " "); split(m1, b, " "); busy = b[1] - a[1]; total = b[2] - a[2]; sagas = rate * d
          printf "%.0f %.3f %.3f %.0f%s\n", rate, cpu * 1000 / hz / sagas, busy * 1000 / hz / sagas,
                 100 * busy / total, (bad > 0 ? " non-2xx:" bad : "") }'
}

echo "W1 on N nodes, $C connections in all, ${WARMUP}s warm-up, ${DURATION}s measured; logs in $W"
printf '%-13s %-6s %5s %9s %14s %17s %13s\n' store server nodes sagas/s node-cpu-ms machine-cpu-ms machine-busy%
for st in $STORES; do
  for n in $COUNTS; do
    printf '%-13s %-6s %5s %9s %14s %17s %13s\n' "$st" dtm4j "$n" $(run dtm4j "$st" "$n")
    [ -n "${DTM:-}" ] && [ "$st" != redis-cluster ] && printf '%-13s %-6s %5s %9s %14s %17s %13s\n' "$st" dtm "$n" $(run dtm "$st" "$n")
  done
done
