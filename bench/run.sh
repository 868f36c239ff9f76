#!/usr/bin/env bash
# The benchmark harness (issue 6): one command.
#   bench/run.sh                  every scenario, full length (13-16 minutes on 2 cores), then bench/RESULTS.md
#   bench/run.sh --smoke          a few seconds a scenario, to keep the harness working  -> bench/RESULTS.smoke.md
#   bench/run.sh --scenario S2    one scenario (S1..S8); combines with --smoke           -> bench/RESULTS.S2.md
# It builds Release, starts a throwaway PostgreSQL and Redis (scripts/services.sh) on free loopback ports in a
# temp dir, runs the BenchmarkDotNet micro-benchmarks (bench/Bench.Micro, whole runs only), then bench/Bench.Runner,
# which starts the mock Kafka cluster, the silo(s), both front ends and the baseline as processes, drives them and
# writes the results. Everything it started is stopped on exit, however it exits.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/services.sh"

smoke=""
scenario=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --scenario) scenario=${2:?--scenario needs S1..S8}; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; sed -n '2,9p' "$0" >&2; exit 2 ;;
  esac
  shift
done
command="bench/run.sh${smoke:+ --smoke}${scenario:+ --scenario $scenario}"
# BENCH_SERVER_ENV="NAME=value;…" adds environment to the product's silos and front ends (a runtime setting to try).
if [ -n "${BENCH_SERVER_ENV:-}" ]; then
  command="BENCH_SERVER_ENV='$BENCH_SERVER_ENV' $command"
fi
results="$root/bench/RESULTS${smoke:+.smoke}${scenario:+.$scenario}.md"

ensure_packages curl nodejs
work=$(mktemp -d /tmp/orleans-bench.XXXXXX)
chmod 755 "$work"
runner=""

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$runner" ] && kill "$runner" 2>/dev/null || true
  if [ -f "$work/pids" ]; then
    while read -r pid; do
      pkill -KILL -P "$pid" 2>/dev/null || true
      kill -KILL "$pid" 2>/dev/null || true
    done < "$work/pids"
  fi
  stop_postgres "$work"
  stop_redis "$work"
  if [ "$status" -ne 0 ]; then
    # Keep the servers' logs of a failed run.
    mkdir -p "$root/bench/logs" && cp "$work"/*.log "$root/bench/logs/" 2>/dev/null || true
    echo "logs of the failed run: bench/logs/" >&2
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT INT TERM

echo "building (Release)"
for project in Silo/Silo.csproj Api/Api.csproj bench/Bench.Baseline/Bench.Baseline.csproj \
               bench/Bench.Micro/Bench.Micro.csproj bench/Bench.Runner/Bench.Runner.csproj; do
  dotnet build "$root/$project" -c Release -nologo -v quiet >/dev/null
done

# The Node/Express comparison stack: exactly the locked packages (bcrypt ships its prebuilt binaries inside the package).
echo "installing bench/node-stack (npm ci)"
npm_ci "$root/bench/node-stack"

pg_port=$(free_port)
redis_port=$(free_port)
head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$work/postgres.password"
start_postgres "$work" "$pg_port" "$(cat "$work/postgres.password")"
start_redis "$work" "$redis_port"

micro_report=""
if [ -z "$scenario" ]; then
  echo "micro-benchmarks (BenchmarkDotNet)"
  job=short
  [ -n "$smoke" ] && job=dry
  (cd "$work" && dotnet "$root/bench/Bench.Micro/bin/Release/net10.0/Bench.Micro.dll" \
      --filter '*' --job "$job" --inProcess --exporters github --artifacts "$work/micro" >"$work/micro.log" 2>&1) &
  runner=$!
  wait "$runner"
  runner=""
  cat "$work"/micro/results/*-report-github.md > "$work/micro.md"
  micro_report="$work/micro.md"
fi

dotnet "$root/bench/Bench.Runner/bin/Release/net10.0/Bench.Runner.dll" \
  ${smoke:+--smoke} ${scenario:+--scenario "$scenario"} \
  --repo "$root" --work "$work" --results "$results" --command "$command" \
  --postgres-port "$pg_port" --postgres-password-file "$work/postgres.password" \
  --redis-port "$redis_port" --redis-version "$(redis-server --version | awk '{print $3}' | cut -d= -f2)" \
  --sdk-version "$(dotnet --version)" ${micro_report:+--micro-report "$micro_report"} &
runner=$!
wait "$runner"
