# What side-by-side.sh and backlog.sh share (sourced; store_yaml needs PEER, the dtm binary's directory).

# find_java: sets JAVA to a JDK 21+ under /usr/lib/jvm unless JAVA is set
find_java() {
  [ -n "${JAVA:-}" ] && return
  for d in $(ls -d /usr/lib/jvm/*/ | sort -rV); do
    v=$("$d/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | cut -d. -f1)
    [ "${v:-0}" -ge 21 ] && { JAVA="$d/bin/java"; return; }
  done
}

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

# store_yaml STORE KIND ROUND prints the Store section of a server's YAML for a fresh database or Redis
# prefix of its own (KIND dtm also loads dtm's SQL schema, which dtm does not create itself).
store_yaml() { # store kind round
  local db="sbs_$2_$3"
  case $1 in
    embedded) [ "$2" = dtm ] && printf "Store:\n  Driver: boltdb\n"; true ;;
    redis)
      drop_redis_prefix "$2" "$3"
      printf "Store:\n  Driver: redis\n  Host: 127.0.0.1\n  Port: 6379\n  Password: ''\n  RedisPrefix: '{sbs_%s_%s}'\n" "$2" "$3" ;;
    postgres)
      psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null 2>&1
      [ "$2" = dtm ] && psql -q -h 127.0.0.1 -U postgres -d "$db" -f "$PEER/dtm-schema.postgres.sql" >/dev/null
      # dtm reads an empty password wrongly; with trust authentication any placeholder is ignored
      printf "Store:\n  Driver: postgres\n  Host: 127.0.0.1\n  Port: 5432\n  User: postgres\n  Password: 'unused'\n  Db: %s\n  Schema: public\n" "$db" ;;
    mysql)
      mysql -h 127.0.0.1 -u root -e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db DEFAULT CHARACTER SET utf8mb4"
      [ "$2" = dtm ] && mysql -h 127.0.0.1 -u root -D "$db" < "$PEER/dtm-schema.mysql.sql"
      printf "Store:\n  Driver: mysql\n  Host: 127.0.0.1\n  Port: 3306\n  User: root\n  Password: ''\n  Db: %s\n" "$db" ;;
  esac
}

# remaining STORE KIND ROUND prints how many transactions of that store are not finished
remaining() {
  local db="sbs_$2_$3"
  case $1 in
    redis) redis-cli ZCARD "{sbs_$2_$3}_u" ;;
    postgres) psql -tA -h 127.0.0.1 -U postgres -d "$db" -c "SELECT count(*) FROM trans_global WHERE status NOT IN ('succeed','failed')" ;;
    mysql) mysql -N -h 127.0.0.1 -u root -D "$db" -e "SELECT count(*) FROM trans_global WHERE status NOT IN ('succeed','failed')" ;;
  esac
}

# drop_redis_prefix KIND ROUND: leave no keys behind (a big keyspace slows every later SCAN on this Redis)
drop_redis_prefix() {
  redis-cli --scan --pattern "{sbs_$1_$2}*" | xargs -r -n 500 redis-cli DEL >/dev/null
}
