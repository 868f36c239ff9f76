# Throwaway PostgreSQL and Redis on loopback, and the npm installs, for test.sh, bench/run.sh and scripts/cluster.sh (source this file).
# Each function takes the directory to keep the server's data and logs in.

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# npm_ci DIR: installs DIR's npm packages from its lock file, up to three tries. npm retries a failed request but not
# a response that stalls mid-body (EIDLETIMEOUT), and one such stall on the registry used to fail a whole test run.
npm_ci() {
  local attempt
  for attempt in 1 2 3; do
    npm ci --prefix "$1" --no-audit --no-fund --loglevel=error >/dev/null && return 0
    [ "$attempt" -lt 3 ] && echo "npm ci in $1 failed (try $attempt of 3); trying again in 5 s" >&2 && sleep 5
  done
  return 1
}

# Installs what is missing from Debian's packages (CI machines start without them).
ensure_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  missing+=("$@")
  local wanted=()
  for package in "${missing[@]}"; do
    case "$package" in
      postgresql|redis-server) wanted+=("$package") ;;
      nodejs) command -v node >/dev/null && command -v npm >/dev/null || wanted+=(nodejs npm) ;;
      # Python modules are checked by import, with Debian's own interpreter.
      python3-*) /usr/bin/python3 -c "import ${package#python3-}" 2>/dev/null || wanted+=("$package") ;;
      *) command -v "$package" >/dev/null || wanted+=("$package") ;;
    esac
  done
  if [ ${#wanted[@]} -gt 0 ]; then
    echo "installing ${wanted[*]} from Debian"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${wanted[@]}" >/dev/null
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# start_postgres DIR PORT PASSWORD [TLS_DIR]: a fresh cluster in DIR/pg, user postgres, listening on 127.0.0.1:PORT.
# With TLS_DIR (holding server.crt and server.key) TLS is on and a TCP connection without it is refused.
start_postgres() {
  local dir=$1 port=$2 password=$3 tls=${4:-} bin
  bin=$(pg_bin)
  mkdir -p "$dir/pg" "$dir/sock"
  printf '%s\n' "$password" > "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown -R postgres: "$dir/pg" "$dir/sock" "$dir/pwfile"
  as_postgres "$bin/initdb" -D "$dir/pg" -U postgres --pwfile="$dir/pwfile" --auth=scram-sha-256 >/dev/null
  rm -f "$dir/pwfile"
  local ssl=""
  if [ -n "$tls" ]; then
    install -m 600 "$tls/server.crt" "$tls/server.key" "$dir/pg/"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/pg/server.crt" "$dir/pg/server.key"
    printf '%s\n' 'local all all scram-sha-256' 'hostssl all all 127.0.0.1/32 scram-sha-256' \
      'hostnossl all all 0.0.0.0/0 reject' > "$dir/pg/pg_hba.conf"
    ssl="-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key"
  fi
  echo "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200 $ssl" > "$dir/pg.options"
  as_postgres "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -o "$(cat "$dir/pg.options")" start >/dev/null
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $dir/pg)"
}

stop_postgres() { as_postgres "$(pg_bin)/pg_ctl" -D "$1/pg" -m fast stop >/dev/null 2>&1 || true; }

# start_redis DIR PORT [PASSWORD]: append-only persistence on, as in docker-compose.yml. The password goes
# through a config file read from stdin, never the command line (visible in ps).
start_redis() {
  local dir=$1 port=$2 password=${3:-}
  mkdir -p "$dir/redis"
  { [ -n "$password" ] && printf 'requirepass "%s"\n' "$password"; true; } |
    redis-server - --port "$port" --bind 127.0.0.1 --dir "$dir/redis" --save '' --appendonly yes \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
  for _ in $(seq 50); do REDISCLI_AUTH="$password" redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
  echo "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$port"
}

# Returns once the server is gone, so a caller that stopped it can rely on Redis being down.
stop_redis() {
  local pid
  [ -f "$1/redis.pid" ] && pid=$(cat "$1/redis.pid") && kill "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# resume_postgres DIR: starts again, on the same port, a cluster that stop_postgres stopped.
resume_postgres() { as_postgres "$(pg_bin)/pg_ctl" -D "$1/pg" -l "$1/pg/server.log" -w -o "$(cat "$1/pg.options")" start >/dev/null; }

