#!/usr/bin/env bash
# The test command: installs PostgreSQL, Redis, Chromium and aiosmtpd from Debian when they are missing, starts
# throwaway instances on free loopback ports in a temp dir, runs every test, and stops them.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/services.sh

# Chromium: the dashboard test loads the page in a real browser; kcat reads user events off Kafka;
# Node runs the jose interop check, whose npm packages come from its lock file, and the README's kafkajs
# consumer example (npm fetches kafkajs from the npm registry), and Spectral, which lints the OpenAPI documents; aiosmtpd is the SMTP server the account tests
# mail through; oathtool is the README's authenticator.
ensure_packages chromium kcat nodejs python3-aiosmtpd oathtool
npm_ci Tests/Functional/Interop/jose
npm_ci Tests/Functional/Interop/spectral

work=$(mktemp -d /tmp/auth-tests.XXXXXX)
chmod 755 "$work"
cleanup() {
  stop_postgres "$work"
  stop_redis "$work"
  rm -rf "$work"
}
trap cleanup EXIT

pg_port=$(free_port)
pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
echo "test.sh: $(start_postgres "$work" "$pg_port" "$pg_password")"
redis_port=$(free_port)
echo "test.sh: $(start_redis "$work" "$redis_port")"

export TEST_POSTGRES_HOST=127.0.0.1 TEST_POSTGRES_PORT=$pg_port TEST_POSTGRES_USER=postgres \
  TEST_POSTGRES_PASSWORD=$pg_password TEST_POSTGRES_DB=postgres \
  TEST_REDIS_HOST=127.0.0.1 TEST_REDIS_PORT=$redis_port TEST_SERVICES_DIR=$work

# The console log interleaves four test projects, and a CI page shows only its end: so the run's output is kept, and
# a failed run ends by repeating what failed (each failed test's message and stack, an aborted test host's last words).
status=0
dotnet test Orleans.sln --logger "console;verbosity=normal" "$@" 2>&1 | tee "$work/dotnet-test.log" || status=$?
if [ "$status" -ne 0 ]; then
  echo
  echo "test.sh: dotnet test exited with $status; what failed:"
  awk '/^  Failed [A-Za-z]/ { n = 40 } /aborted|crashed|Test Run Failed|error [A-Z]+[0-9]+:/ { n = n > 3 ? n : 3 } n > 0 { print; n-- }' \
    "$work/dotnet-test.log" | head -n 400
  exit "$status"
fi
