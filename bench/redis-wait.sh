#!/usr/bin/env bash
# What Store.RedisWait costs on W1 (bench/README.md, mode empty): dtm4j on a private Redis with one
# replica, RedisWait 0 and 1 alternated, a fresh server and key prefix each round; prints one line per
# round. TOPOLOGY=pair (default): one master and its replica; TOPOLOGY=cluster: a Redis Cluster of 3
# masters and 3 replicas, the server given one node that does not serve its prefix's slot.
# Everything runs on free loopback ports in a temporary directory, removed at the end; the machine's own
# Redis is not touched. No persistence (--save "", no AOF): this isolates the replication round trip.
# VARIANTS (default "0 1") lists the RedisWait values to alternate; "1:8" is RedisWait 1 with 8
# connections for the waiting writes (-Ddtm4j.redis.waitConnections) instead of 1.
#
#   JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 ROUNDS=2 bench/redis-wait.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2} WARMUP=${WARMUP:-15} DURATION=${DURATION:-15} CLIENTS=${CLIENTS:-10}
TOPOLOGY=${TOPOLOGY:-pair} VARIANTS=${VARIANTS:-0 1}
JAVA=${JAVA:-${JAVA_HOME:?set JAVA_HOME}/bin/java}
dir=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

# a port below the ephemeral range whose cluster bus port (+10000) is free as well
port_pair() {
  python3 - <<'EOF'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randint(17000, 21999)
    if free(p) and free(p + 10000):
        print(p); break
EOF
}

redis() { # port [extra args…]
  local port=$1; shift
  mkdir -p "$dir/$port"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir/$port" --save "" --appendonly no \
    --daemonize no "$@" >"$dir/$port/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "redis-server on $port did not start" >&2; exit 1
}

ports=()
if [ "$TOPOLOGY" = cluster ]; then
  for _ in 1 2 3 4 5 6; do p=$(port_pair); ports+=("$p"); redis "$p" --cluster-enabled yes --cluster-node-timeout 2000; done
  redis-cli --cluster create $(printf '127.0.0.1:%s ' "${ports[@]}") --cluster-replicas 1 --cluster-yes >"$dir/create.log"
  for p in "${ports[@]}"; do
    for _ in $(seq 1 100); do redis-cli -p "$p" cluster info | grep -q cluster_state:ok && break; sleep 0.1; done
  done
  sleep 2 # replicas finish their first sync
else
  m=$(port_pair); r=$(port_pair); ports=("$m" "$r")
  redis "$m"; redis "$r" --replicaof 127.0.0.1 "$m"
  for _ in $(seq 1 100); do redis-cli -p "$r" info replication | grep -q master_link_status:up && break; sleep 0.1; done
fi

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

for round in $(seq 1 "$ROUNDS"); do
  for variant in $VARIANTS; do
    wait=${variant%%:*}
    conns=1; [[ $variant == *:* ]] && conns=${variant##*:}
    prefix="{w${round}x${wait}c${conns}}"
    host_port=${ports[0]}
    if [ "$TOPOLOGY" = cluster ]; then
      # a node that does not serve the prefix's slot
      for p in "${ports[@]}"; do
        if redis-cli -p "$p" role | head -1 | grep -q master \
          && redis-cli -p "$p" exists "${prefix}_u" 2>&1 | grep -q MOVED; then host_port=$p; break; fi
      done
    fi
    http=$(free_port); grpc=$(free_port)
    HTTP_PORT=$http GRPC_PORT=$grpc LOG_LEVEL=warn STORE_DRIVER=redis STORE_HOST=127.0.0.1 STORE_PORT=$host_port \
      STORE_REDIS_PREFIX="$prefix" STORE_REDIS_WAIT=$wait \
      "$JAVA" -Ddtm4j.redis.waitConnections="$conns" -jar server/target/dtm4j-server.jar \
      >"$dir/server-$round-$variant.log" 2>&1 &
    server=$!
    for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$http/api/dtmsvr/newGid" >/dev/null && break; sleep 0.5; done
    out=$("$JAVA" -jar bench/target/dtm4j-bench.jar --dtm "http://127.0.0.1:$http/api/dtmsvr" --clients "$CLIENTS" \
      --duration "$DURATION" --warmup "$WARMUP" --mode empty --server-pid "$server" 2>&1 || true)
    echo "== $TOPOLOGY round $round RedisWait=$wait waitConnections=$conns (Host port $host_port)"
    echo "$out" | grep -Ei "sagas/s|throughput|latency|p50|p99|errors|cpu per" || echo "$out"
    kill "$server"; wait "$server" 2>/dev/null || true
  done
done
