#!/usr/bin/env bash
# Recovery side by side: COUNT due sagas (two steps, empty URLs, as a crash leaves them: submitted,
# branches prepared, next_cron_time in the past) are written into a fresh store through dtm4j's own
# store code (io.dtm4j.bench.Backlog), then one server is started on them and the unfinished count is
# polled every second until it reaches zero. dtm4j and dtm (same rows: both read dtm's layout) alternate.
#
# Usage: backlog.sh SERVER_JAR [STORES] [COUNT] [ROUNDS]
#   STORES  any of: redis postgres mysql (default: redis postgres)
#   COUNT   100000 by default
# Environment: JAVA, JAVA_OPTS, DTM (a dtm server binary, see side-by-side.sh; unset: dtm4j only),
#   MAX (give up after MAX s of draining, default 300), NODES (nodes on one store, started together,
#   default 1; on PostgreSQL give them STORE_MAX_OPEN_CONNS=30 so that the poll still gets a connection)
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/stores.sh"
find_java
JAR=$(readlink -f "${1:?usage: backlog.sh SERVER_JAR [STORES] [COUNT] [ROUNDS]}")
STORES=${2:-"redis postgres"}
COUNT=${3:-100000}
ROUNDS=${4:-1}
MAX=${MAX:-300}; NODES=${NODES:-1}
BENCH_JAR=$HERE/target/dtm4j-bench.jar
PEER=$( [ -n "${DTM:-}" ] && cd "$(dirname "$DTM")" && pwd)
[ -f "$BENCH_JAR" ] || { echo "build the bench first: ./mvnw -pl bench -am package -DskipTests"; exit 1; }
W=$(mktemp -d /tmp/backlog-XXXXXX)

drain() { # kind store round -> "seconds sagas/s best-5s-window cpu-ms-per-saga"
  local kind=$1 st=$2 r=$3 dir="$W/$2-$1-$3" pids=() ticks=0 t0 left n
  mkdir -p "$dir"
  store_yaml "$st" "$kind" "$r" > "$dir/store.yml"
  ( cd "$dir" && STORE_DATA_DIR="$dir/data" "$JAVA" -cp "$JAR:$BENCH_JAR" io.dtm4j.bench.Backlog "$dir/store.yml" "$COUNT" ) >&2
  local ports=()
  for n in $(seq 1 "$NODES"); do # all nodes start together; the clock starts with the first answer
    local http grpc cmd; http=$(free_port); grpc=$(free_port); ports+=("$http")
    { printf 'HttpPort: %s\nGrpcPort: %s\nLogLevel: warn\n' "$http" "$grpc"; cat "$dir/store.yml"; } > "$dir/conf$n.yml"
    if [ "$kind" = dtm ]; then cmd="$DTM"; else cmd="$JAVA ${JAVA_OPTS:-} -jar $JAR"; fi
    ( cd "$dir" && STORE_DATA_DIR="$dir/data" exec $cmd -c "$dir/conf$n.yml" > "$dir/server$n.log" 2>&1 ) &
    pids+=($!)
  done
  for _ in $(seq 1 600); do
    for p in "${ports[@]}"; do curl -sf "http://127.0.0.1:$p/api/dtmsvr/newGid" >/dev/null && break 2; done
    sleep 0.1
  done
  t0=$(date +%s.%N)
  : > "$dir/left.txt"
  while :; do
    sleep 1
    # a refused poll (e.g. the server holds every connection the database allows) is a gap, not a stall
    left=$(remaining "$st" "$kind" "$r" 2>/dev/null) && echo "$(date +%s.%N) $left" >> "$dir/left.txt"
    [ "$left" = 0 ] && break
    awk -v a="$t0" -v b="$(date +%s.%N)" -v m="$MAX" 'BEGIN{exit !(b-a>m)}' && break
  done
  for p in "${pids[@]}"; do ticks=$((ticks + $(awk '{print $14+$15}' /proc/$p/stat))); kill "$p"; done
  wait 2>/dev/null
  [ "$st" = redis ] && drop_redis_prefix "$kind" "$r"
  awk -v t0="$t0" -v n="$COUNT" -v cpu="$ticks" -v hz="$(getconf CLK_TCK)" '
    {t[NR]=$1; l[NR]=$2}
    END{ best=0; for(i=6;i<=NR;i++){ r=(l[i-5]-l[i])/(t[i]-t[i-5]); if(r>best) best=r }
         done=n-l[NR]; s=t[NR]-t0
         printf "%.1f %.0f %.0f %.3f\n", s, done/s, best, (done>0? cpu*1000/hz/done : 0) }' "$dir/left.txt"
}

echo "backlog of $COUNT due sagas, $NODES dtm4j node(s), $ROUNDS round(s); logs in $W"
printf '%-9s %-6s %9s %9s %13s %12s\n' store server seconds sagas/s best-5s-rate cpu-ms/saga
for st in $STORES; do
  for r in $(seq 1 "$ROUNDS"); do
    printf '%-9s %-6s %9s %9s %13s %12s\n' "$st" dtm4j $(drain dtm4j "$st" "$r")
    [ -n "${DTM:-}" ] && printf '%-9s %-6s %9s %9s %13s %12s\n' "$st" dtm $(drain dtm "$st" "$r")
  done
done
