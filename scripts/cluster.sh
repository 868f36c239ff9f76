#!/usr/bin/env bash
# The docker-compose topology as plain processes, for machines without Docker:
#   scripts/cluster.sh up [SILOS]   PostgreSQL, Redis, SILOS silos (default 3), auth API :3001, user API :3002
#   scripts/cluster.sh status       what runs, and whether it is ready
#   scripts/cluster.sh down         stops exactly what `up` started
#   scripts/cluster.sh env SERVICE  the environment a service gets (silo, auth-api, user-api)
# Each service gets the same variables docker-compose.yml sets; Tests/Operations/ComposeTests checks that.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/services.sh"
state=${CLUSTER_DIR:-/tmp/orleans-auth-cluster}
pg_port=${CLUSTER_POSTGRES_PORT:-55432}
redis_port=${CLUSTER_REDIS_PORT:-56379}

cluster_env() {
  echo "CLUSTER_ID=auth-cluster"
  echo "SERVICE_ID=auth-service"
  echo "REDIS_HOST=127.0.0.1"
  echo "REDIS_PORT=$redis_port"
  echo "KAFKA_BROKER=${KAFKA_BROKER:-}"
}

# Without SMTP_HOST the front ends write mails to their logs (SPEC §9).
mail_env() {
  echo "SMTP_HOST=${SMTP_HOST:-}"
  echo "SMTP_PORT=${SMTP_PORT:-1025}"
  echo "SMTP_SECURITY=${SMTP_SECURITY:-none}"
  echo "SMTP_FROM=${SMTP_FROM:-no-reply@example.com}"  # no spaces: start() splits the environment on them
  echo "PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://localhost:3002}"
}

postgres_env() {
  echo "POSTGRES_HOST=127.0.0.1"
  echo "POSTGRES_PORT=$pg_port"
  echo "POSTGRES_USER=postgres"
  echo "POSTGRES_PASSWORD=$(cat "$state/postgres.password" 2>/dev/null || echo unset)"
  echo "POSTGRES_DB=postgres"
}

# service_env SERVICE [INDEX]
service_env() {
  local index=${2:-0}
  case "$1" in
    silo)
      cluster_env; postgres_env
      echo "SILO_PORT=$((11111 + index))"
      echo "GATEWAY_PORT=$((30000 + index))"
      echo "SILO_HTTP_PORT=$((8080 + index))"
      echo "ADVERTISED_IP=127.0.0.1"
      echo "DASHBOARD_USERNAME=${DASHBOARD_USERNAME:-ops}"
      echo "DASHBOARD_PASSWORD=${DASHBOARD_PASSWORD:-$(cat "$state/dashboard.password" 2>/dev/null || echo unset)}"
      ;;
    auth-api)
      cluster_env; mail_env
      echo "API_ROLE=auth"
      echo "AUTH_PORT=3001"
      echo "MANAGEMENT_PORT=9464"
      echo "JWT_SECRET=$(cat "$state/jwt.secret" 2>/dev/null || echo unset)"
      echo "JWT_SECRET_PREVIOUS=${JWT_SECRET_PREVIOUS:-}"
      echo "JWT_ALGORITHM=${JWT_ALGORITHM:-HS256}"
      echo "JWT_KEY_ENCRYPTION_KEY=${JWT_KEY_ENCRYPTION_KEY:-$(cat "$state/jwt.kek" 2>/dev/null || echo unset)}"
      echo "JWT_KEY_ROTATION=${JWT_KEY_ROTATION:-}"
      echo "JWT_KEY_PUBLISH_AHEAD=${JWT_KEY_PUBLISH_AHEAD:-}"
      echo "INTROSPECTION_CLIENTS=${INTROSPECTION_CLIENTS:-}"
      ;;
    user-api)
      cluster_env; mail_env
      echo "API_ROLE=user"
      echo "USER_PORT=3002"
      # Both front ends run on this one machine: each its own management port.
      echo "MANAGEMENT_PORT=9465"
      echo "JWT_SECRET=$(cat "$state/jwt.secret" 2>/dev/null || echo unset)"
      echo "JWT_SECRET_PREVIOUS=${JWT_SECRET_PREVIOUS:-}"
      echo "JWT_ALGORITHM=${JWT_ALGORITHM:-HS256}"
      echo "ADMIN_EMAIL=${ADMIN_EMAIL:-}"
      echo "ADMIN_PASSWORD=${ADMIN_PASSWORD:-}"
      ;;
    *) echo "unknown service: $1" >&2; return 2 ;;
  esac
}

# start NAME DLL SERVICE INDEX: runs one process in the background with exactly its service's environment.
start() {
  local name=$1 dll=$2 service=$3 index=$4
  (
    cd "$root/$(dirname "$dll")"
    # shellcheck disable=SC2046
    exec env -i PATH="$PATH" HOME="$HOME" DOTNET_ROOT="${DOTNET_ROOT:-}" $(service_env "$service" "$index" | grep -v '=$') \
      dotnet "$root/$dll" >"$state/$name.log" 2>&1
  ) &
  echo $! > "$state/$name.pid"
  echo "started $name (pid $!)"
}

wait_ready() {
  local name=$1 url=$2
  for _ in $(seq 120); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then echo "$name ready"; return 0; fi
    sleep 0.5
  done
  echo "$name did not become ready; see $state/$name.log" >&2
  return 1
}

up() {
  local silos=${1:-3}
  [ -d "$state" ] && { echo "already up ($state exists); run: $0 down" >&2; exit 1; }
  ensure_packages curl
  mkdir -p "$state"
  trap 'echo "up failed; stopping what started" >&2; down' ERR
  chmod 755 "$state"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/postgres.password"
  head -c 48 /dev/urandom | base64 | tr -d '/+=' > "$state/jwt.secret"
  head -c 32 /dev/urandom | base64 > "$state/jwt.kek"
  head -c 12 /dev/urandom | base64 | tr -d '/+=' > "$state/dashboard.password"
  echo "building (Release)"
  dotnet build "$root/Silo/Silo.csproj" -c Release -v quiet -nologo >/dev/null
  dotnet build "$root/Api/Api.csproj" -c Release -v quiet -nologo >/dev/null
  start_postgres "$state" "$pg_port" "$(cat "$state/postgres.password")"
  start_redis "$state" "$redis_port"
  local bin=bin/Release/net10.0
  for i in $(seq 0 $((silos - 1))); do
    start "silo-$i" "Silo/$bin/Silo.dll" silo "$i"
  done
  for i in $(seq 0 $((silos - 1))); do
    wait_ready "silo-$i" "http://127.0.0.1:$((8080 + i))/health/ready"
  done
  start auth-api "Api/$bin/Api.dll" auth-api 0
  start user-api "Api/$bin/Api.dll" user-api 0
  wait_ready auth-api http://127.0.0.1:3001/health/ready
  wait_ready user-api http://127.0.0.1:3002/health/ready
  echo "up: auth API http://localhost:3001, user API http://localhost:3002, dashboard http://localhost:8080/dashboard (ops / $(cat "$state/dashboard.password"))"
}

down() {
  [ -d "$state" ] || { echo "not up"; return 0; }
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    [ "$(basename "$pidfile")" = redis.pid ] && continue
    pkill -P "$(cat "$pidfile")" 2>/dev/null || true
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  stop_postgres "$state"
  stop_redis "$state"
  rm -rf "$state"
  echo "down"
}

status() {
  [ -d "$state" ] || { echo "not up"; return 0; }
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    local name
    name=$(basename "$pidfile" .pid)
    if kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$name: running"; else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  status) status ;;
  env) service_env "${2:?service}" "${3:-0}" ;;
  *) sed -n '2,7p' "$0"; exit 2 ;;
esac
