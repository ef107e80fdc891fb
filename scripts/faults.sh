#!/usr/bin/env bash
# Fault tests: real Kite processes on a private Redis and a private
# PostgreSQL (made in a temp dir with initdb; needs root or the postgres user),
# under click and postback load, through a Redis outage, a Postgres outage,
# SIGTERM and SIGKILL, an S2S receiver outage, and two nodes sharing the work.
# Each scenario prints one "VERDICT PASS|FAIL <test>: counts..." line; the
# lines are also appended to test-artifacts/faults/verdicts.txt, node logs
# are kept in test-artifacts/faults/<Test>/.
# Knobs (env): FAULTS_OUTAGE (20s), FAULTS_S2S_DOWN (60s; the issue's figure
# is 5m), FAULTS_CLICK_RATE (200/s), FAULTS_POSTBACK_RATE (20/s),
# FAULTS_KILL_RATE (1000/s), FAULTS_SHARED_PG (fallback server URL).
# Usage: scripts/faults.sh [go test -run regexp]
set -euo pipefail
cd "$(dirname "$0")/.."
make build
export FAULTS_KITE_BIN=${FAULTS_KITE_BIN:-$PWD/bin/kite}
mkdir -p test-artifacts/faults
set +e
go test -tags faults -count=1 -run "${1:-.}" -v -timeout 40m ./test/faults/ 2>&1 | tee test-artifacts/faults/last-run.log
rc=${PIPESTATUS[0]}
echo "---- verdicts"
grep '^VERDICT' test-artifacts/faults/last-run.log || true
exit "$rc"
