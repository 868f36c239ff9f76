#!/bin/sh
# Run by docker compose before anything else starts (the secrets-check service): refuses missing or weak
# secrets with a message naming the variable, so a half-filled .env never starts a cluster that cannot
# come up. Also runnable by hand: `env $(cat .env) sh deploy/check-secrets.sh`.
status=0
refuse() { echo "refusing to start: $1" >&2; status=1; }

# length VAR MIN WHY: VAR must hold at least MIN bytes.
length() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    refuse "$1 is not set in .env ($3)"
  elif [ "$(printf '%s' "$value" | wc -c)" -lt "$2" ]; then
    refuse "$1 must be at least $2 characters ($3)"
  else
    case "$value" in
      change-me*|changeme*|password*|secret*|example*) refuse "$1 is a placeholder; generate one ($3)" ;;
    esac
  fi
}

length JWT_SECRET 32 "it signs every access token; e.g. openssl rand -base64 48"
length POSTGRES_PASSWORD 16 "e.g. openssl rand -base64 24"
length REDIS_PASSWORD 16 "e.g. openssl rand -base64 24"
if [ -n "${DASHBOARD_USERNAME:-}" ] || [ -n "${DASHBOARD_PASSWORD:-}" ]; then
  [ -n "${DASHBOARD_USERNAME:-}" ] || refuse "DASHBOARD_USERNAME must be set with DASHBOARD_PASSWORD (or leave both empty: no dashboard)"
  length DASHBOARD_PASSWORD 16 "the Orleans Dashboard's basic-auth password; or leave both empty: no dashboard"
fi
if [ -n "${ADMIN_EMAIL:-}" ] || [ -n "${ADMIN_PASSWORD:-}" ]; then
  [ -n "${ADMIN_EMAIL:-}" ] || refuse "ADMIN_EMAIL must be set with ADMIN_PASSWORD (or leave both empty: no first admin)"
  length ADMIN_PASSWORD 12 "the first admin's password; or leave both empty"
fi
[ "$status" = 0 ] && echo "secrets ok"
exit "$status"
