#!/usr/bin/env bash
# The docker-compose topology as plain processes, for machines without Docker:
#   scripts/cluster.sh up [SILOS]   PostgreSQL, Redis, Kafka (librdkafka's mock brokers), SILOS silos (default 3),
#                                   auth API :3001, user API :3002
#   scripts/cluster.sh status       each process: running or not, and ready or not
#   scripts/cluster.sh down         stops exactly what `up` started and deletes its directory
#   scripts/cluster.sh env SERVICE  the environment a service gets (silo, auth-api, user-api)
# Each service gets the same variables docker-compose.yml sets; Tests/Operations/ComposeTests checks that.
# No proxy here: each front end listens on its public port itself (one replica of each).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/services.sh"
state=${CLUSTER_DIR:-/tmp/orleans-auth-cluster}
pg_port=${CLUSTER_POSTGRES_PORT:-55432}
redis_port=${CLUSTER_REDIS_PORT:-56379}
bin=bin/Release/net10.0

secret() { cat "$state/$1" 2>/dev/null || echo "(generated-by-up)"; }

cluster_env() {
  echo "CLUSTER_ID=auth-cluster"
  echo "SERVICE_ID=auth-service"
  echo "REDIS_HOST=127.0.0.1"
  echo "REDIS_PORT=$redis_port"
  echo "REDIS_PASSWORD=$(secret redis.password)"
  echo "REDIS_USERNAME=${REDIS_USERNAME:-}"
  echo "KAFKA_BROKER=$(cat "$state/kafka.bootstrap" 2>/dev/null || echo "(mock brokers started by up)")"
  # Optional mutual TLS between the processes (PEM file paths); empty, as here by default, means plain TCP.
  echo "ORLEANS_TLS_CERT=${ORLEANS_TLS_CERT:-}"
  echo "ORLEANS_TLS_KEY=${ORLEANS_TLS_KEY:-}"
  echo "ORLEANS_TLS_CA=${ORLEANS_TLS_CA:-}"
}

# Without SMTP_HOST the front ends write mails to their logs (see the README, Configuration).
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
  echo "POSTGRES_PASSWORD=$(secret postgres.password)"
  echo "POSTGRES_DB=postgres"
  echo "POSTGRES_SSLMODE=${POSTGRES_SSLMODE:-}"
  echo "POSTGRES_SSLROOTCERT=${POSTGRES_SSLROOTCERT:-}"
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
      echo "DASHBOARD_PASSWORD=${DASHBOARD_PASSWORD:-$(secret dashboard.password)}"
      echo "KAFKA_LINGER_MS=${KAFKA_LINGER_MS:-}"
      ;;
    auth-api)
      cluster_env; mail_env
      echo "API_ROLE=auth"
      echo "AUTH_PORT=3001"
      echo "MANAGEMENT_PORT=9464"
      echo "JWT_SECRET=$(secret jwt.secret)"
      echo "JWT_SECRET_PREVIOUS=${JWT_SECRET_PREVIOUS:-}"
      echo "JWT_ALGORITHM=${JWT_ALGORITHM:-HS256}"
      echo "JWT_KEY_ENCRYPTION_KEY=${JWT_KEY_ENCRYPTION_KEY:-$(secret jwt.kek)}"
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
      echo "JWT_SECRET=$(secret jwt.secret)"
      echo "JWT_SECRET_PREVIOUS=${JWT_SECRET_PREVIOUS:-}"
      echo "JWT_ALGORITHM=${JWT_ALGORITHM:-HS256}"
      echo "ADMIN_EMAIL=${ADMIN_EMAIL:-}"
      echo "ADMIN_PASSWORD=${ADMIN_PASSWORD:-}"
      ;;
    *) echo "unknown service: $1" >&2; return 2 ;;
  esac
}

# start NAME DLL SERVICE INDEX READY_URL: one process in the background with exactly its service's environment.
start() {
  local name=$1 dll=$2 service=$3 index=$4
  echo "$5" > "$state/$name.url"
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
  local name=$1
  for _ in $(seq 240); do
    if curl -fsS -o /dev/null "$(cat "$state/$name.url")" 2>/dev/null; then echo "$name ready"; return 0; fi
    kill -0 "$(cat "$state/$name.pid")" 2>/dev/null || { echo "$name exited; see $state/$name.log" >&2; return 1; }
    sleep 0.5
  done
  echo "$name did not become ready; see $state/$name.log" >&2
  return 1
}

start_kafka() {
  # With the silos' environment, so the mock holds the topics they look for (KAFKA_TOPIC, KAFKA_PARTITIONS or their defaults).
  # shellcheck disable=SC2046
  (exec env -i PATH="$PATH" HOME="$HOME" DOTNET_ROOT="${DOTNET_ROOT:-}" $(service_env silo 0 | grep -v -e '=$' -e '^KAFKA_BROKER=') \
    dotnet "$root/tools/MockKafka/$bin/MockKafka.dll" "$state/kafka.bootstrap.tmp" >"$state/kafka.log" 2>&1) &
  echo $! > "$state/kafka.pid"
  for _ in $(seq 100); do
    [ -s "$state/kafka.bootstrap.tmp" ] && { mv "$state/kafka.bootstrap.tmp" "$state/kafka.bootstrap"; echo "Kafka (mock brokers) at $(cat "$state/kafka.bootstrap")"; return 0; }
    kill -0 "$(cat "$state/kafka.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "the mock Kafka cluster did not start ($(tail -n 1 "$state/kafka.log")); see $state/kafka.log" >&2
  return 1
}

up() {
  local silos=${1:-3}
  [ -d "$state" ] && { echo "$state exists (a cluster is up, or a failed up kept its logs there); run: $0 down" >&2; exit 1; }
  ensure_packages curl
  # Secrets and logs readable by this user only; the directory stays traversable for PostgreSQL's own user.
  umask 077
  mkdir -p "$state"
  chmod 711 "$state"
  trap 'echo "up failed; stopped what started; logs kept in $state (remove with: $0 down)" >&2; stop_all' ERR
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/postgres.password"
  head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$state/redis.password"
  head -c 48 /dev/urandom | base64 | tr -d '/+=' > "$state/jwt.secret"
  head -c 32 /dev/urandom | base64 > "$state/jwt.kek"
  head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$state/dashboard.password"
  echo "building (Release)"
  for project in Silo/Silo.csproj Api/Api.csproj tools/MockKafka/MockKafka.csproj; do
    dotnet build "$root/$project" -c Release -v quiet -nologo >/dev/null
  done
  start_postgres "$state" "$pg_port" "$(cat "$state/postgres.password")"
  start_redis "$state" "$redis_port" "$(cat "$state/redis.password")"
  start_kafka
  for i in $(seq 0 $((silos - 1))); do
    start "silo-$i" "Silo/$bin/Silo.dll" silo "$i" "http://127.0.0.1:$((8080 + i))/health/ready"
  done
  for i in $(seq 0 $((silos - 1))); do
    wait_ready "silo-$i"
  done
  start auth-api "Api/$bin/Api.dll" auth-api 0 http://127.0.0.1:3001/health/ready
  start user-api "Api/$bin/Api.dll" user-api 0 http://127.0.0.1:3002/health/ready
  wait_ready auth-api
  wait_ready user-api
  echo "up: auth API http://localhost:3001, user API http://localhost:3002, Kafka $(cat "$state/kafka.bootstrap"),"
  echo "    dashboard http://localhost:8080/dashboard (ops / password in $state/dashboard.password)"
}

# Stops every process and store `up` started; keeps the directory (and its logs).
stop_all() {
  local pids=()
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    [ "$(basename "$pidfile")" = redis.pid ] && continue
    pids+=("$(cat "$pidfile")")
    pkill -P "$(cat "$pidfile")" 2>/dev/null || true
    kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  # A silo leaves the cluster through Redis as it stops: the stores stop only once the services are gone
  # (with the stores already down a silo retried for most of a minute). 20 s each at most, then SIGKILL.
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
  stop_postgres "$state"
  stop_redis "$state"
}

down() {
  [ -d "$state" ] || { echo "not up"; return 0; }
  stop_all
  rm -rf "$state"
  echo "down"
}

status() {
  [ -d "$state" ] || { echo "not up"; return 0; }
  local pidfile name ready
  for pidfile in "$state"/*.pid; do
    [ -e "$pidfile" ] || continue
    name=$(basename "$pidfile" .pid)
    [ "$name" = redis ] && continue
    if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then echo "$name: stopped (log: $state/$name.log)"; continue; fi
    if [ -f "$state/$name.url" ]; then
      ready=$(curl -fsS -o /dev/null "$(cat "$state/$name.url")" 2>/dev/null && echo ready || echo "not ready")
      echo "$name: running, $ready"
    else
      echo "$name: running"
    fi
  done
  REDISCLI_AUTH="$(cat "$state/redis.password")" redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG \
    && echo "redis: running, ready" || echo "redis: not answering"
  as_postgres "$(pg_bin)/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && echo "postgresql: running, ready" || echo "postgresql: not answering"
}

case "${1:-}" in
  up) up "${2:-3}" ;;
  down) down ;;
  status) status ;;
  env) service_env "${2:?service}" "${3:-0}" ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
