#!/usr/bin/env bash
# Click-path benchmark (issue 3 "Speed"): a bare net/http 302 vs Kite's
# tracking link under the same flat-out load, both at a fixed 5,000/s, Kite's
# own handling time (from its /metrics), its peak RSS, and after the run:
# clicks stored in SQL == redirects answered.
#
# Usage: scripts/bench-clicks.sh KITE_URL [KITE_PID] [DB_URL]
#   KITE_URL  a tracking link of a running Kite, e.g. http://127.0.0.1:8080/ALIAS?sub_id_1={n}
#             ("{n}" becomes the request number)
#   KITE_PID  pid of that kite process (peak RSS from /proc/PID/status VmHWM); optional
#   DB_URL    its database (postgres://... or sqlite:PATH) to count stored clicks; optional
# The same can come from the environment (KITE_URL, KITE_PID, KITE_DATABASE_URL), plus:
#   DURATION=20s RATE=5000 CONCURRENCY=64 BASELINE_LISTEN=127.0.0.1:18090
#   SEGMENTS=3 (the flat-out comparison alternates baseline and Kite in this many
#     pairs of DURATION/SEGMENTS each, and takes the median ratio of the pairs:
#     a shared machine's speed drifts within a minute)
#   KITE_BENCH=path/to/kite-bench (built if unset)  WAIT_SQL=120 (seconds for the writer)
#   STRICT=1 (exit 1 when a target is missed; 0 = report only)
#   METRICS_TOKEN (Kite's KITE_METRICS_TOKEN, to read its own latency histogram from /metrics)
set -euo pipefail
cd "$(dirname "$0")/.."

KITE_URL=${1:-${KITE_URL:-}}
KITE_PID=${2:-${KITE_PID:-}}
DB_URL=${3:-${KITE_DATABASE_URL:-}}
DURATION=${DURATION:-20s}
RATE=${RATE:-5000}
CONCURRENCY=${CONCURRENCY:-64}
BASELINE_LISTEN=${BASELINE_LISTEN:-127.0.0.1:18090}
WAIT_SQL=${WAIT_SQL:-120}
STRICT=${STRICT:-1}
SEGMENTS=${SEGMENTS:-3}
[ -n "$KITE_URL" ] || { sed -n '2,16p' "$0"; exit 2; }

work=$(mktemp -d)
baseline_pid=""
cleanup() {
  [ -n "$baseline_pid" ] && kill "$baseline_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

BENCH=${KITE_BENCH:-}
if [ -z "$BENCH" ]; then
  BENCH="$work/kite-bench"
  go build -o "$BENCH" ./cmd/kite-bench
fi

# field NAME FILE: a value from kite-bench's "RESULT k=v ..." line.
field() { grep '^RESULT ' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

count_sql() {
  case "$DB_URL" in
    postgres://*|postgresql://*) psql "$DB_URL" -Atqc "SELECT count(*) FROM clicks" ;;
    sqlite://*) sqlite3 "${DB_URL#sqlite://}" "SELECT count(*) FROM clicks" ;;
    sqlite:*) sqlite3 "${DB_URL#sqlite:}" "SELECT count(*) FROM clicks" ;;
    *) echo "" ;;
  esac
}

# cpu_ticks PID: CPU time (user + system, in clock ticks) the process used so far.
cpu_ticks() { [ -n "$1" ] && [ -r "/proc/$1/stat" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo ""; }
TICKS=$(getconf CLK_TCK)

load() { # load NAME URL RATE [PID [DURATION]]: CPU of PID per answered request goes to $work/NAME.cpu (µs)
  echo "== $1"
  local t0 t1
  t0=$(cpu_ticks "${4:-}")
  "$BENCH" clicks -url "$2" -rate "$3" -duration "${5:-$DURATION}" -concurrency "$CONCURRENCY" | tee "$work/$1.out"
  t1=$(cpu_ticks "${4:-}")
  if [ -n "$t0" ] && [ -n "$t1" ]; then
    awk -v d=$((t1 - t0)) -v hz="$TICKS" -v n="$(field requests "$work/$1.out")" \
      'BEGIN { if (n > 0) printf "%.1f", d / hz * 1e6 / n }' >"$work/$1.cpu"
  fi
  echo
}

# track_hist: Kite's own tracking-link latency histogram from /metrics as
# "le count" lines (cumulative; empty when /metrics cannot be read).
metrics_url="${KITE_URL%%://*}://$(echo "${KITE_URL#*://}" | cut -d/ -f1)/metrics"
track_hist() {
  curl -fsS ${METRICS_TOKEN:+-H "Authorization: Bearer $METRICS_TOKEN"} "$metrics_url" 2>/dev/null |
    sed -nE 's/^kite_http_request_duration_seconds_bucket\{surface="track",le="([^"]+)"\} ([0-9.e+]+)$/\1 \2/p'
}

# server_share H0 H1: from two track_hist snapshots, the share of the
# requests in between that Kite answered within 1, 5 and 10 ms, and the
# first bucket bound that holds 99 % of them. Measured from the handler's
# start to its end, so unlike kite-bench's figures it leaves out the load
# generator and the kernel's queues: what Kite itself adds.
server_share() {
  [ -s "$1" ] && [ -s "$2" ] || { echo "n/a (no /metrics)"; return; }
  awk 'NR == FNR { before[$1] = $2; next }
    { le[++n] = $1; c[n] = $2 - before[$1] }
    END {
      total = c[n]
      if (total <= 0) { print "n/a (no requests counted)"; exit }
      for (i = 1; i <= n; i++) {
        if (le[i] == "0.001") w1 = c[i] / total
        if (le[i] == "0.005") w5 = c[i] / total
        if (le[i] == "0.01") w10 = c[i] / total
        if (p99 == "" && c[i] / total >= 0.99) p99 = le[i]
      }
      printf "%.1f%% within 1 ms, %.1f%% within 5 ms, %.1f%% within 10 ms; p99 <= %s ms\n",
        100 * w1, 100 * w5, 100 * w10, (p99 == "+Inf" ? "+Inf" : p99 * 1000)
    }' "$1" "$2"
}

before=$(count_sql)

# The baseline answers the same path and query, so both sides parse alike.
path_query="/${KITE_URL#*://*/}"
"$BENCH" baseline -listen "$BASELINE_LISTEN" >"$work/baseline.log" 2>&1 &
baseline_pid=$!
for _ in $(seq 50); do
  curl -s -o /dev/null "http://$BASELINE_LISTEN/" && break
  sleep 0.1
done

# Flat out, baseline and Kite take turns, so a drift of the machine's speed
# hits both sides alike.
segment=$DURATION
[[ "$DURATION" =~ ^[0-9.]+s$ ]] && segment=$(awk -v d="${DURATION%s}" -v n="$SEGMENTS" 'BEGIN { printf "%gs", d / n }')
for i in $(seq "$SEGMENTS"); do
  load "baseline-$i" "http://$BASELINE_LISTEN$path_query" 0 "$baseline_pid" "$segment"
  load "kite-flat-$i" "$KITE_URL" 0 "$KITE_PID" "$segment"
done
# The same fixed rate against the bare server: the latency floor of this
# machine and load generator, so Kite's p99 reads against it.
load baseline-rate "http://$BASELINE_LISTEN$path_query" "$RATE" "$baseline_pid"
kill "$baseline_pid" 2>/dev/null || true
wait "$baseline_pid" 2>/dev/null || true
baseline_pid=""
track_hist >"$work/hist0"
load kite-rate "$KITE_URL" "$RATE" "$KITE_PID"
track_hist >"$work/hist1"

# each NAME: the value of FIELD in $work/NAME-1.out .. NAME-$SEGMENTS.out, one a line.
each() { local i; for i in $(seq "$SEGMENTS"); do field "$2" "$work/$1-$i.out"; done; }
mean() { awk '{ s += $1; n++ } END { if (n > 0) printf "%.1f", s / n }'; }
base_rps=$(each baseline rps | mean)
kite_rps=$(each kite-flat rps | mean)
pair_ratios=$(paste <(each kite-flat rps) <(each baseline rps) |
  awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), ($2 > 0 ? $1 / $2 : 0) }')
ratio=$(tr ' ' '\n' <<<"$pair_ratios" | sort -n | awk '{ r[NR] = $1 } END { print (NR % 2 ? r[(NR + 1) / 2] : r[NR / 2]) }')
p50=$(field p50_ms "$work/kite-rate.out")
p99=$(field p99_ms "$work/kite-rate.out")
p99c=$(field p99_corrected_ms "$work/kite-rate.out")
rate_rps=$(field rps "$work/kite-rate.out")
redirects=$(( $(each kite-flat redirects | awk '{ s += $1 } END { print s + 0 }') + $(field redirects "$work/kite-rate.out") ))
for side in baseline kite-flat; do # CPU per request over the segments
  for i in $(seq "$SEGMENTS"); do cat "$work/$side-$i.cpu" 2>/dev/null && echo; done | grep . | mean >"$work/$side.cpu"
done

rss_mb=""
if [ -n "$KITE_PID" ] && [ -r "/proc/$KITE_PID/status" ]; then
  rss_mb=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$KITE_PID/status")
fi

stored=""
if [ -n "$before" ]; then
  # The SQL writer runs behind the redirects: wait until it caught up or stalls.
  deadline=$(( $(date +%s) + WAIT_SQL ))
  while :; do
    stored=$(( $(count_sql) - before ))
    [ "$stored" -ge "$redirects" ] && break
    [ "$(date +%s)" -ge "$deadline" ] && break
    sleep 1
  done
fi

fails=0
verdict() { # verdict LABEL OK(0/1)
  if [ "$2" = 1 ]; then echo "  ok    $1"; else echo "  MISS  $1"; fails=$((fails + 1)); fi
}
ge() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? 1 : 0 }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 < b + 0) ? 1 : 0 }'; }

echo "== summary"
printf 'baseline (bare net/http 302), flat out: %s/s (mean of %s runs of %s)\n' "$base_rps" "$SEGMENTS" "$segment"
printf 'kite tracking link, flat out:          %s/s (the same, taking turns with the baseline)\n' "$kite_rps"
printf 'ratio kite/baseline:                   %s (median of the pairs: %s)\n' "$ratio" "$pair_ratios"
printf 'kite at %s/s (achieved %s/s):      p50 %sms  p99 %sms  (p99 from intended start %sms)\n' \
  "$RATE" "$rate_rps" "$p50" "$p99" "$p99c"
printf 'baseline at %s/s (floor of this box):  p50 %sms  p99 %sms\n' "$RATE" \
  "$(field p50_ms "$work/baseline-rate.out")" "$(field p99_ms "$work/baseline-rate.out")"
printf "kite's own handling at %s/s:        %s\n" "$RATE" "$(server_share "$work/hist0" "$work/hist1")"
rss_text="n/a (no KITE_PID)"
[ -n "$rss_mb" ] && rss_text="$rss_mb MB"
printf 'kite peak RSS (VmHWM):                 %s\n' "$rss_text"
# CPU per request is what the load costs the server itself: unlike
# throughput it barely moves when other work shares the machine.
printf 'server CPU per request: baseline %s µs, kite flat out %s µs, kite at %s/s %s µs\n' \
  "$(cat "$work/baseline.cpu" 2>/dev/null || echo n/a)" "$(cat "$work/kite-flat.cpu" 2>/dev/null || echo n/a)" \
  "$RATE" "$(cat "$work/kite-rate.cpu" 2>/dev/null || echo n/a)"
printf 'redirects answered (3xx):              %s\n' "$redirects"
printf 'clicks stored in SQL during the run:   %s\n' "${stored:-n/a (no DB_URL)}"
verdict "ratio >= 0.5 ($ratio)" "$(ge "$ratio" 0.5)"
verdict "p99 < 5 ms at $RATE/s (${p99}ms)" "$(lt "$p99" 5)"
[ -n "$rss_mb" ] && verdict "peak RSS < 300 MB (${rss_mb} MB)" "$(lt "$rss_mb" 300)"
[ -n "$stored" ] && verdict "clicks in SQL == redirects ($stored vs $redirects)" "$([ "$stored" = "$redirects" ] && echo 1 || echo 0)"
if [ "$fails" -gt 0 ] && [ "$STRICT" = 1 ]; then
  exit 1
fi
