#!/usr/bin/env bash
# Runs every Go fuzz target in the module (each `func FuzzXxx` in a *_test.go)
# for FUZZTIME (default 2m) in its own package. A crash leaves its input in
# that package's testdata/fuzz/FuzzXxx/ (commit it: it becomes a regression
# test that plain `go test` runs). Exit status 1 if any target failed.
# Usage: scripts/fuzz.sh [name-regexp]   e.g. scripts/fuzz.sh Postback
# FUZZ_PARALLEL=N caps the fuzzing workers per target (go test -parallel;
# default: one per CPU), e.g. FUZZ_PARALLEL=1 on a box shared with other work.
set -uo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-2m}
parallel=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then
  [[ "$FUZZ_PARALLEL" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz: FUZZ_PARALLEL must be a positive integer, got '$FUZZ_PARALLEL'" >&2; exit 2; }
  parallel=(-parallel "$FUZZ_PARALLEL")
fi
only=${1:-.}
failed=()
ran=0
while IFS=: read -r file name; do
  [[ "$name" =~ $only ]] || continue
  pkg="./$(dirname "${file#./}")"
  echo "== fuzz $name in $pkg for $FUZZTIME"
  ran=$((ran + 1))
  if ! go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" ${parallel[@]+"${parallel[@]}"} "$pkg"; then
    failed+=("$pkg $name")
  fi
done < <(grep -rHo --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git \
           '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func /:/' | sort)
echo "fuzz: $ran target(s) run, ${#failed[@]} failed"
for f in "${failed[@]}"; do echo "  FAILED: $f (see its testdata/fuzz/ for the input)"; done
[ "${#failed[@]}" -eq 0 ]
