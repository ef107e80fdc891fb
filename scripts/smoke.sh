#!/usr/bin/env bash
# Starts a real Kite (Postgres + Redis when KITE_TEST_DATABASE_URL and
# KITE_TEST_REDIS_URL are set, else the embedded mode), runs the shared
# contract check against it, then stops it with SIGTERM and expects exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
SMOKE=${SMOKE_SCRIPT:-../shared/contract-smoke.py}
[ -f "$SMOKE" ] || SMOKE=/work/shared/contract-smoke.py
[ -f "$SMOKE" ] || { echo "smoke: contract-smoke.py not found"; exit 1; }

work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
dbname=""
if [[ "${KITE_TEST_DATABASE_URL:-}" == postgres* ]]; then
  dbname="kite_smoke_$$"
  psql "$KITE_TEST_DATABASE_URL" -qc "CREATE DATABASE $dbname"
  export KITE_DATABASE_URL="${KITE_TEST_DATABASE_URL%%/kite_test*}/$dbname?sslmode=disable"
else
  export KITE_DATABASE_URL="sqlite:$work/kite.db"
fi
export KITE_REDIS_URL="${KITE_TEST_REDIS_URL:-}"
export KITE_REDIS_PREFIX="smoke$$:"
export KITE_LISTEN="127.0.0.1:$port"
export KITE_ADMIN_API_KEY="smoke-api-key-$$"
export KITE_POSTBACK_KEY="smokepb$$"
export KITE_TRUSTED_PROXIES="127.0.0.0/8"
export KITE_ADMIN_LOGIN="admin"
export KITE_ADMIN_PASSWORD="smoke-admin-password-$$"
export KITE_S2S_ALLOW_PRIVATE="127.0.0.0/8"
export KITE_CLICKS_SPOOL_DIR="$work/spool"

cleanup() {
  [ -n "${pid:-}" ] && kill -9 "$pid" 2>/dev/null || true
  [ -n "$dbname" ] && psql "$KITE_TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT

bin/kite serve --migrate >"$work/kite.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
if ! python3 "$SMOKE" "http://127.0.0.1:$port" "$KITE_ADMIN_API_KEY" "$KITE_POSTBACK_KEY"; then
  echo "smoke: kite log tail:"; tail -40 "$work/kite.log"; exit 1
fi
echo "smoke: the buyer's whole loop through the web UI against the same node"
if ! KITE_E2E_URL="http://127.0.0.1:$port" KITE_E2E_LOGIN="$KITE_ADMIN_LOGIN" KITE_E2E_PASSWORD="$KITE_ADMIN_PASSWORD" \
  go test -count=1 -run '^TestEndToEndAgainstRunningKite$' -v ./internal/admin/ui/ 2>&1 | tail -15; then
  echo "smoke: kite log tail:"; tail -40 "$work/kite.log"; exit 1
fi
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=""
if [ "$rc" -ne 0 ]; then echo "smoke: kite exited $rc after SIGTERM"; tail -20 "$work/kite.log"; exit 1; fi
echo "smoke: kite stopped cleanly after SIGTERM"
