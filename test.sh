#!/usr/bin/env bash
# The test command: installs PostgreSQL, Redis and Chromium from Debian when they are missing, starts
# throwaway instances on free loopback ports in a temp dir, runs every test, and stops them.
set -euo pipefail
cd "$(dirname "$0")"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

missing=()
[ -n "$(pg_bin)" ] || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v chromium >/dev/null || missing+=(chromium)   # the dashboard test loads the page in a real browser
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]} from Debian"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

work=$(mktemp -d /tmp/auth-tests.XXXXXX)
chmod 755 "$work"
PG="$(pg_bin)"
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

cleanup() {
  as_postgres "$PG/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  [ -f "$work/redis.pid" ] && kill "$(cat "$work/redis.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$work/pg" "$work/sock"
printf '%s\n' "$pg_password" > "$work/pwfile"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work/pg" "$work/sock" "$work/pwfile"
as_postgres "$PG/initdb" -D "$work/pg" -U postgres --pwfile="$work/pwfile" --auth=scram-sha-256 >/dev/null
as_postgres "$PG/pg_ctl" -D "$work/pg" -l "$work/pg/server.log" -w \
  -o "-p $pg_port -k $work/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null
echo "test.sh: PostgreSQL $("$PG/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (data in $work/pg)"

redis_port=$(free_port)
mkdir -p "$work/redis"
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work/redis" --save '' --appendonly no \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis/redis.log"
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
echo "test.sh: Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2) on 127.0.0.1:$redis_port"

export TEST_POSTGRES_HOST=127.0.0.1 TEST_POSTGRES_PORT=$pg_port TEST_POSTGRES_USER=postgres \
  TEST_POSTGRES_PASSWORD=$pg_password TEST_POSTGRES_DB=postgres \
  TEST_REDIS_HOST=127.0.0.1 TEST_REDIS_PORT=$redis_port

dotnet test Orleans.sln --logger "console;verbosity=normal" "$@"
