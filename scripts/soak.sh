#!/usr/bin/env bash
# Soak: one Kite node on a private Redis + PostgreSQL at 5,000 clicks/s and
# 100 postbacks/s for 10 minutes. Prints RSS (/proc/PID/status VmRSS) and
# goroutines (go_goroutines on /metrics) at start, middle and end, the p99
# of each minute, every error, and at the end checks that every
# acknowledged click and accepted postback is in SQL exactly once.
# Knobs (env): SOAK_DURATION (10m), SOAK_CLICK_RATE (5000), SOAK_POSTBACK_RATE (100).
set -euo pipefail
cd "$(dirname "$0")/.."
make build
export FAULTS_KITE_BIN=${FAULTS_KITE_BIN:-$PWD/bin/kite}
export FAULTS_SOAK=${SOAK_DURATION:-10m}
export FAULTS_SOAK_CLICK_RATE=${SOAK_CLICK_RATE:-5000}
export FAULTS_SOAK_POSTBACK_RATE=${SOAK_POSTBACK_RATE:-100}
mkdir -p test-artifacts/faults
set +e
go test -tags faults -count=1 -run '^TestSoak$' -v -timeout 60m ./test/faults/ 2>&1 | tee test-artifacts/faults/soak.log
exit "${PIPESTATUS[0]}"
