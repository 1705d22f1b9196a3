#!/usr/bin/env bash
# Casework benchmark: one command that builds the release binary, generates
# (or reuses) a large office, serves it, and measures page speed under load
# with wrk in a second process, sampling the server's resident memory.
#
#   bench/run.sh [sqlite|postgres|all]        (default: all)
#
# Environment (all optional):
#   BENCH_CONSTITUENTS  size of the office              (default 1000000; try 100000;
#                       above 5000, so that the bulk generator, which gives the
#                       first ten people a case with 200 entries, is used)
#   BENCH_DURATION      length of each measured run     (default 20s)
#   BENCH_WARMUP        warm-up per scenario, unmeasured (default 3s)
#   BENCH_PORT          port for the server             (default 18080)
#   BENCH_SERVERS       app servers sharing the load    (default 1; with 2 or more,
#                       each listens on BENCH_PORT+i and HAProxy on BENCH_PORT
#                       hands requests to them in turn; memory is per server)
#   BENCH_EMAILS_PER_CASE  emails a case has on average (default: the
#                       generator's, 16); another value is another cached office
#   BENCH_DATA          where SQLite data and results go (default target/bench)
#   BENCH_PG_URL        PostgreSQL server, no database  (default postgres://postgres@127.0.0.1:5432)
#   BENCH_SKIP_BUILD=1  use target/release/casework as it is
#   BENCH_BIN           use this casework binary (implies no build)
#   BENCH_REGENERATE=1  throw away a cached office and generate it again
#   BENCH_GENERATE_ONLY=1  stop after generating (or finding) the office
#   BENCH_HTTP_LOG=1    with BENCH_SERVERS of 2 or more, HAProxy logs every
#                       request with its times (haproxy-<db>.log in the results)
#   BENCH_DIAGNOSE=1    also run the mixed run's reads alone (50 conn.) and its
#                       writes alone (10 conn.)
#   BENCH_QUIET_WAIT    before each measured run, wait up to this many seconds
#                       for the machine to be idle (other work below 25% CPU)
#                       (default 300; 0 = don't wait)
#
# A shared machine skews latency, so each measured run also reports
# "other_cpu": the CPU share used during the run by processes other than
# the servers, HAProxy, PostgreSQL and wrk (100% = all cores busy).
#
# The generated office is cached: SQLite in $BENCH_DATA/sqlite-N/, PostgreSQL
# in the database casework_bench_N (sqlite-N-eE/ and casework_bench_N_eE
# with BENCH_EMAILS_PER_CASE=E). A marker file written after a complete
# generation (with its duration) is what says "reuse"; a database holding
# the office without the marker (an interrupted run) is rebuilt.
#
# Needs wrk, curl, sqlite3 and psql; as root the missing ones are installed
# from Debian's packages. Results: a table on stdout, and raw files in
# $BENCH_DATA/results-<time>/.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="$ROOT/bench"
WHICH="${1:-all}"
N="${BENCH_CONSTITUENTS:-1000000}"
DURATION="${BENCH_DURATION:-20s}"
WARMUP="${BENCH_WARMUP:-3s}"
PORT="${BENCH_PORT:-18080}"
DATA="${BENCH_DATA:-$ROOT/target/bench}"
PG_BASE="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_BASE="${PG_BASE%/}"
SERVERS="${BENCH_SERVERS:-1}"
EMAILS="${BENCH_EMAILS_PER_CASE:-}"
PG_DB="casework_bench_${N}${EMAILS:+_e$EMAILS}"
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/casework}"
OFFICE="Benchmark Office ${N}"
SLUG="$(printf '%s' "$OFFICE" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9' | cut -c1-30)"
PASSWORD="casework-demo"
BASE_URL="http://127.0.0.1:${PORT}"

# Targets (ms, MB).
T_SEARCH=50 T_CASES=50 T_PERSON=30 T_MIXED=150 T_RSS=300

case "$WHICH" in
  sqlite | postgres) BACKENDS=("$WHICH") ;;
  all) BACKENDS=(sqlite postgres) ;;
  *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
esac
[[ "$N" =~ ^[0-9]+$ ]] || { echo "BENCH_CONSTITUENTS must be a number" >&2; exit 2; }
[[ "$SERVERS" =~ ^[1-9]$ ]] || { echo "BENCH_SERVERS must be 1 to 9" >&2; exit 2; }
[[ -z "$EMAILS" || "$EMAILS" =~ ^[0-9]+$ ]] || { echo "BENCH_EMAILS_PER_CASE must be a whole number" >&2; exit 2; }
if [ "$SERVERS" != 1 ] && [ "$WHICH" != postgres ]; then
  echo "several app servers (BENCH_SERVERS) share a PostgreSQL database: use bench/run.sh postgres" >&2
  exit 2
fi
# HAProxy is in /usr/sbin on Debian.
PATH="$PATH:/usr/sbin"

STARTED=$(date +%s)
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$DATA/results-$RUN_ID"
mkdir -p "$OUT"

log() { printf '\n=== %s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { echo "bench: $*" >&2; exit 1; }
now() { date +%s.%N; }
secs_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ----- tools -----

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
[ "$SERVERS" = 1 ] || command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "please install: ${need[*]}"
  log "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# ----- CPU accounting -----

NCPU="$(nproc)"
HZ="$(getconf CLK_TCK)"
QUIET_WAIT="${BENCH_QUIET_WAIT:-300}"
# Busy jiffies of the whole machine (user, nice, system, irq, softirq, steal).
busy_jiffies() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
# CPU time of the server and of PostgreSQL: utime + stime of each process,
# plus cutime + cstime (children that ended, e.g. parallel query workers,
# which the postmaster has reaped).
our_jiffies() {
  local pids="$SERVER_PIDS $PROXY_PID $(pgrep -x postgres 2>/dev/null | tr '\n' ' ')"
  local total=0 p
  for p in $pids; do
    [ -r "/proc/$p/stat" ] || continue
    total=$(( total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
# Waits until the machine is idle enough to measure (others < 25% of all cores over 2 s).
wait_for_quiet() {
  local waited=0 b0 b1 pct
  while :; do
    b0=$(busy_jiffies); sleep 2; b1=$(busy_jiffies)
    pct=$(( (b1 - b0) * 100 / (2 * HZ * NCPU) ))
    [ "$pct" -lt 25 ] && return 0
    if [ "$waited" -ge "$QUIET_WAIT" ]; then
      echo "  (machine still ${pct}% busy with other work after ${waited}s; measuring anyway)"
      return 0
    fi
    [ "$waited" = 0 ] && echo "  (machine ${pct}% busy with other work; waiting up to ${QUIET_WAIT}s for it to settle)"
    sleep 8; waited=$(( waited + 10 ))
  done
}

# ----- cleanup: whatever this script started, it stops -----

SERVER_PIDS=""
PROXY_PID=""
SAMPLER_PID=""
stop_server() {
  if [ -n "$SAMPLER_PID" ]; then
    kill "$SAMPLER_PID" 2>/dev/null || true
    wait "$SAMPLER_PID" 2>/dev/null || true
    SAMPLER_PID=""
  fi
  local pid
  for pid in $PROXY_PID $SERVER_PIDS; do
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  SERVER_PIDS=""
  PROXY_PID=""
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# ----- build -----

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ] && [ -z "${BENCH_BIN:-}" ]; then
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --locked -p casework --bin casework)
fi
[ -x "$BIN" ] || die "no binary at $BIN"

# Run casework from the data folder, so no casework.toml of the caller's applies.
cw() { (cd "$DATA" && "$BIN" --database-url "$DB_URL" "$@"); }

# ----- per backend -----

# Sets DB_URL, DB_KIND and sql() for the backend.
select_backend() {
  case "$1" in
    sqlite)
      SQLITE_DIR="$DATA/sqlite-$N${EMAILS:+-e$EMAILS}"
      mkdir -p "$SQLITE_DIR"
      DB_URL="sqlite:$SQLITE_DIR/casework.db"
      MARKER="$SQLITE_DIR/generated.txt"
      ;;
    postgres)
      DB_URL="$PG_BASE/$PG_DB"
      MARKER="$DATA/postgres-$N${EMAILS:+-e$EMAILS}.generated.txt"
      ;;
  esac
  DB_KIND="$1"
}

sql() {
  if [ "$DB_KIND" = sqlite ]; then
    sqlite3 -readonly "$SQLITE_DIR/casework.db" "$1"
  else
    psql "$DB_URL" -qAtX -c "$1"
  fi
}

fresh_database() {
  if [ "$DB_KIND" = sqlite ]; then
    rm -f "$SQLITE_DIR"/casework.db "$SQLITE_DIR"/casework.db-wal "$SQLITE_DIR"/casework.db-shm "$MARKER"
  else
    rm -f "$MARKER"
    psql "$PG_BASE/postgres" -qAtX -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null
    psql "$PG_BASE/postgres" -qAtX -c "CREATE DATABASE $PG_DB" >/dev/null
  fi
}

database_exists() {
  if [ "$DB_KIND" = sqlite ]; then
    [ -f "$SQLITE_DIR/casework.db" ]
  else
    [ "$(psql "$PG_BASE/postgres" -qAtX -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" = 1 ]
  fi
}

# Generates the office unless a complete one is cached. Sets GEN_SECONDS, GEN_NOTE.
generate() {
  local have=""
  if [ "${BENCH_REGENERATE:-0}" != 1 ] && database_exists; then
    local offices
    offices="$(cw office list 2>/dev/null || true)"
    if printf '%s\n' "$offices" | cut -f2- | grep -qxF "$OFFICE"; then have=1; fi
  fi
  if [ -n "$have" ] && [ -f "$MARKER" ]; then
    GEN_SECONDS="$(sed -n 's/^seconds=//p' "$MARKER")"
    GEN_NOTE="cached; generated $(sed -n 's/^date=//p' "$MARKER")"
    log "$DB_KIND: reusing '$OFFICE' (generated in ${GEN_SECONDS}s: $(sed -n 's/^output=//p' "$MARKER"))"
    return
  fi
  [ -n "$have" ] && log "$DB_KIND: '$OFFICE' exists but its generation did not finish; starting again"
  fresh_database
  log "$DB_KIND: generating '$OFFICE' with $N constituents"
  local t0 line
  t0=$(now)
  echo "(progress in $OUT/generate-$DB_KIND.log)"
  line="$(cw demo --constituents "$N" --office "$OFFICE" ${EMAILS:+--emails-per-case "$EMAILS"} 2>"$OUT/generate-$DB_KIND.log" | tail -1)"
  GEN_SECONDS="$(secs_since "$t0")"
  echo "$line"
  printf 'seconds=%s\ndate=%s\noutput=%s\n' "$GEN_SECONDS" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$line" >"$MARKER"
  GEN_NOTE="generated in this run"
}

# Waits for an app server (PID, log, URL) to answer /healthz.
await_ready() {
  local pid="$1" log="$2" url="$3"
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "the server stopped"; }
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url/healthz" || true)" = 200 ] && break
    sleep 0.1
  done
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" = 200 ] || die "the server did not become ready"
}

start_server() {
  local i
  for i in $(seq 0 "$(( SERVERS == 1 ? 0 : SERVERS ))"); do
    if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$((PORT + i))/healthz"; then
      die "something already answers on port $((PORT + i)) (set BENCH_PORT)"
    fi
  done
  if [ "$SERVERS" = 1 ]; then
    (cd "$DATA" && exec "$BIN" --database-url "$DB_URL" serve --listen "127.0.0.1:$PORT") \
      >"$OUT/server-$DB_KIND.log" 2>&1 &
    SERVER_PIDS=$!
    await_ready "$SERVER_PIDS" "$OUT/server-$DB_KIND.log" "$BASE_URL"
  else
    # Several app servers on one database, each with its own data folder
    # (files live in the database or a bucket), behind HAProxy.
    local pid cfg="$OUT/haproxy-$DB_KIND.cfg"
    local logging=()
    # BENCH_HTTP_LOG=1: HAProxy logs each request (path, status, times) in
    # haproxy-<db>.log, to see which requests make a run's slowest share.
    [ "${BENCH_HTTP_LOG:-0}" = 1 ] && logging=("  log stdout format raw local0" "  option httplog")
    printf '%s\n' "global" "  maxconn 4096" "defaults" "  mode http" "${logging[@]}" "  timeout connect 5s" \
      "  timeout client 60s" "  timeout server 60s" "frontend casework" "  bind 127.0.0.1:$PORT" \
      "  default_backend servers" "backend servers" "  balance roundrobin" >"$cfg"
    for i in $(seq 1 "$SERVERS"); do
      mkdir -p "$DATA/server-$i"
      (cd "$DATA/server-$i" && exec "$BIN" --database-url "$DB_URL" serve --listen "127.0.0.1:$((PORT + i))") \
        >"$OUT/server-$DB_KIND-$i.log" 2>&1 &
      pid=$!
      SERVER_PIDS="$SERVER_PIDS $pid"
      await_ready "$pid" "$OUT/server-$DB_KIND-$i.log" "http://127.0.0.1:$((PORT + i))"
      echo "  server s$i 127.0.0.1:$((PORT + i))" >>"$cfg"
    done
    haproxy -f "$cfg" -db >"$OUT/haproxy-$DB_KIND.log" 2>&1 &
    PROXY_PID=$!
    await_ready "$PROXY_PID" "$OUT/haproxy-$DB_KIND.log" "$BASE_URL"
  fi
  # Resident memory of each server process, every 0.5 s: "epoch_seconds kB pid".
  RSS_FILE="$OUT/rss-$DB_KIND.txt"
  : >"$RSS_FILE"
  local watched="$SERVER_PIDS"
  (
    while :; do
      alive=""
      for pid in $watched; do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$kb" ] && { echo "$(date +%s.%N) $kb $pid" >>"$RSS_FILE"; alive=1; }
      done
      [ -n "$alive" ] || break
      sleep 0.5
    done
  ) &
  SAMPLER_PID=$!
}

# Peak RSS in MB of the samples from line $1 on.
rss_peak_mb() { awk -v from="${1:-1}" 'NR >= from && $2 > m { m = $2 } END { printf "%.0f", m / 1024 }' "$RSS_FILE"; }
rss_lines() { wc -l <"$RSS_FILE"; }

# shellcheck source=bench/http.sh
source "$ROOT/bench/http.sh"

# run_wrk SCENARIO CONNECTIONS DURATION [measure]: appends one result line to $OUT/wrk-<backend>.txt when measured.
run_wrk() {
  local scenario="$1" conns="$2" dur="$3" measure="${4:-}" result="" from log
  log="$OUT/wrk-$DB_KIND-$scenario${measure:+-measured}.log"
  [ -n "$measure" ] && { result="$OUT/wrk-$DB_KIND.txt"; [ "$QUIET_WAIT" = 0 ] || wait_for_quiet; }
  from=$(( $(rss_lines) + 1 ))
  local t0 b0 o0 b1 o1 wrk_cpu
  t0=$(now); b0=$(busy_jiffies); o0=$(our_jiffies)
  local TIMEFORMAT='%U %S'
  { time BENCH_SCENARIO="$scenario" BENCH_RESULT="$result" \
      wrk -t2 -c"$conns" -d"$dur" --timeout 5s --latency -s "$BENCH/load.lua" "$BASE_URL" >"$log" 2>&1; } \
    2>"$OUT/wrk-time.txt" || { cat "$log" >&2; die "wrk failed"; }
  b1=$(busy_jiffies); o1=$(our_jiffies)
  if [ -n "$measure" ]; then
    # Seconds of CPU wrk used, in jiffies.
    wrk_cpu=$(awk -v hz="$HZ" '{ printf "%d", ($1 + $2) * hz }' "$OUT/wrk-time.txt")
    local other
    other=$(awk -v b="$((b1 - b0))" -v o="$((o1 - o0))" -v w="$wrk_cpu" -v hz="$HZ" -v n="$NCPU" -v t0="$t0" -v t1="$(now)" \
      'BEGIN { x = (b - o - w) / ((t1 - t0) * hz * n) * 100; if (x < 0) x = 0; printf "%.0f", x }')
    sed -i '$ s/$/ rss_peak_mb='"$(rss_peak_mb "$from")"' other_cpu_pct='"$other"'/' "$result"
    printf '  %-12s %s\n' "$scenario" "$(tail -1 "$result")"
  fi
}

verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo pass; else echo "**FAIL**"; fi; }
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }

bench_backend() {
  select_backend "$1"
  if [ "$DB_KIND" = postgres ]; then
    pg_isready -q -d "$PG_BASE/postgres" || die "PostgreSQL is not answering at $PG_BASE"
  fi
  generate
  [ "${BENCH_GENERATE_ONLY:-0}" = 1 ] && return 0

  local office_id
  office_id="$(cw office list | awk -F'\t' -v n="$OFFICE" '$2 == n { print $1 }')"
  [ -n "$office_id" ] || die "office '$OFFICE' not found"
  export BENCH_PERSON_MIN BENCH_PERSON_MAX BENCH_CASE_MIN BENCH_CASE_MAX BENCH_LONG_IDS
  read -r BENCH_PERSON_MIN BENCH_PERSON_MAX < <(sql "SELECT MIN(id), MAX(id) FROM constituents WHERE office_id = $office_id" | tr '|' ' ')
  read -r BENCH_CASE_MIN BENCH_CASE_MAX < <(sql "SELECT MIN(id), MAX(id) FROM cases WHERE office_id = $office_id" | tr '|' ' ')
  BENCH_LONG_IDS="$(sql "SELECT id FROM constituents WHERE office_id = $office_id ORDER BY id LIMIT 10" | tr '\n' ' ')"
  local people cases entries
  people="$(sql "SELECT COUNT(*) FROM constituents WHERE office_id = $office_id")"
  cases="$(sql "SELECT COUNT(*) FROM cases WHERE office_id = $office_id")"
  entries="$(sql "SELECT COUNT(*) FROM timeline WHERE office_id = $office_id")"
  echo "office $office_id: $people constituents, $cases cases, $entries history entries"

  # An API token for writes: the office manager sees every case, sensitive ones too.
  export BENCH_TOKENS
  BENCH_TOKENS="$(cw token create --email "manager@$SLUG.casework.test" --label benchmark 2>/dev/null | tail -1)"
  [ -n "$BENCH_TOKENS" ] || die "no API token"

  log "$DB_KIND: starting the server"
  start_server
  local idle_mb
  sleep 1
  idle_mb="$(rss_peak_mb 1)"

  export BENCH_SESSIONS BENCH_MANAGER_SESSION
  BENCH_MANAGER_SESSION="$(sign_in "manager@$SLUG.casework.test")"
  BENCH_SESSIONS="$BENCH_MANAGER_SESSION"
  for who in caseworker caseworker2 caseworker3; do
    BENCH_SESSIONS="$BENCH_SESSIONS $(sign_in "$who@$SLUG.casework.test")"
  done

  # The ten long histories, as the manager sees them.
  local counts="" c
  for id in $BENCH_LONG_IDS; do
    c="$(curl -s -b "casework_session=$BENCH_MANAGER_SESSION" "$BASE_URL/constituents/$id" | grep -o '<li class="entry' | wc -l)"
    counts="$counts $c"
  done
  echo "timeline entries on /constituents/{${BENCH_LONG_IDS% }}:$counts"

  # Service time without load: each path alone, 3 times in a row (median),
  # as the manager, after one unmeasured request.
  log "$DB_KIND: single requests, no load (median of 3)"
  local probe="$OUT/probe-$DB_KIND.txt" path t
  : >"$probe"
  for path in "/constituents?q=ngu" "/constituents?q=204555" "/constituents?q=r2c" "/constituents?q=aisha.ab" \
    "/constituents?q=mei+chen" "/cases" "/cases?view=mine" "/cases?status=open" "/cases?sort=oldest" \
    "/constituents/${BENCH_LONG_IDS%% *}" "/constituents/$(( (BENCH_PERSON_MIN + BENCH_PERSON_MAX) / 2 ))" \
    "/cases/$(( (BENCH_CASE_MIN + BENCH_CASE_MAX) / 2 ))"; do
    curl -s -o /dev/null -b "casework_session=$BENCH_MANAGER_SESSION" "$BASE_URL$path"
    t="$(for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' -b "casework_session=$BENCH_MANAGER_SESSION" "$BASE_URL$path"; done |
      sort -n | sed -n 2p | awk '{ printf "%.1f", $1 * 1000 }')"
    printf '%s %s\n' "$path" "$t" | tee -a "$probe"
  done

  log "$DB_KIND: warming up ($WARMUP per scenario, not measured)"
  for s in search cases constituent; do run_wrk "$s" 10 "$WARMUP"; done

  log "$DB_KIND: measuring ($DURATION per run)"
  : >"$OUT/wrk-$DB_KIND.txt"
  run_wrk search 10 "$DURATION" measure
  run_wrk cases 10 "$DURATION" measure
  run_wrk constituent 10 "$DURATION" measure
  run_wrk mixed 50 "$DURATION" measure
  if [ "${BENCH_DIAGNOSE:-0}" = 1 ]; then
    run_wrk reads 50 "$DURATION" measure
    run_wrk writes 10 "$DURATION" measure
  fi

  local peak
  peak="$(rss_peak_mb 1)"
  local samples
  samples="$(rss_lines)"
  stop_server

  # ----- report -----
  local md="$OUT/results-$DB_KIND.md"
  {
    echo "### $DB_KIND — $people constituents, $cases cases, $entries history entries$([ "$SERVERS" = 1 ] || echo ", $SERVERS app servers")"
    echo
    echo "| measurement | result | target | verdict |"
    echo "| --- | --- | --- | --- |"
    local gen_min
    gen_min="$(awk -v s="$GEN_SECONDS" 'BEGIN { printf "%.1f", s / 60 }')"
    echo "| generate the office (\`casework demo --constituents $N${EMAILS:+ --emails-per-case $EMAILS}\`) | ${GEN_SECONDS} s (${gen_min} min; $GEN_NOTE) | minutes, not hours (< 60 min) | $(verdict "$GEN_SECONDS" 3600) |"
    local line label target conns errs p95 rps n
    while read -r line; do
      s="$(field "$line" scenario)"
      case "$s" in
        search) label="constituent search \`/constituents?q=…\`"; target=$T_SEARCH; conns=10 ;;
        cases) label="case list \`/cases…\`"; target=$T_CASES; conns=10 ;;
        constituent) label="constituent page, ~200 entries \`/constituents/{1..10}\`"; target=$T_PERSON; conns=10 ;;
        mixed) label="mixed reads + API writes, 50 users"; target=$T_MIXED; conns=50 ;;
        reads) label="(diagnosis) the mixed run's reads alone"; target=$T_MIXED; conns=50 ;;
        writes) label="(diagnosis) the mixed run's writes alone"; target=$T_MIXED; conns=10 ;;
      esac
      p95="$(field "$line" p95_ms)"
      rps="$(field "$line" rps)"
      n="$(field "$line" requests)"
      errs=$(( $(field "$line" s3xx) + $(field "$line" s4xx) + $(field "$line" s5xx) + $(field "$line" socket_errors) ))
      local v
      local timeouts figure
      timeouts="$(field "$line" timeout)"
      v="$(verdict "$p95" "$target")"
      [ "$errs" = 0 ] || v="**FAIL** ($errs errors)"
      # wrk leaves requests that timed out (5 s) out of its latency histogram.
      if [ "$n" = "$timeouts" ] || [ "$(field "$line" s2xx)" = 0 ]; then
        figure="**every request failed or timed out (> 5 s)**"
      else
        figure="p95 **${p95} ms** (p50 $(field "$line" p50_ms), p99 $(field "$line" p99_ms) ms)"
      fi
      [ "$timeouts" = 0 ] || figure="$figure; $timeouts timed out after 5 s, not in the percentiles"
      echo "| $label, $conns conn. | $figure; $n req, $rps req/s; $errs errors; other CPU load $(field "$line" other_cpu_pct)% | p95 < $target ms, no errors | $v |"
    done <"$OUT/wrk-$DB_KIND.txt"
    local who="server"
    [ "$SERVERS" = 1 ] || who="the largest of the $SERVERS app servers' (behind HAProxy)"
    echo "| $who peak resident memory (VmRSS, $(( samples / SERVERS )) samples every 0.5 s) | **${peak} MB** (idle after start ${idle_mb} MB) | < $T_RSS MB | $(verdict "$peak" "$T_RSS") |"
    echo
    echo "Single requests without load (median of 3, ms):"
    echo
    echo "| path | ms |"
    echo "| --- | --- |"
    awk '{ printf "| `%s` | %s |\n", $1, $2 }' "$probe"
    echo
    echo "Timeline entries rendered on /constituents/{$(echo $BENCH_LONG_IDS | tr ' ' ',')}:$counts"
  } >"$md"
  echo
  cat "$md"
}

for b in "${BACKENDS[@]}"; do
  bench_backend "$b"
done

log "done in $(( $(date +%s) - STARTED )) s; raw results in $OUT"
{
  echo "command: bench/run.sh $WHICH (BENCH_CONSTITUENTS=$N BENCH_DURATION=$DURATION BENCH_SERVERS=$SERVERS${EMAILS:+ BENCH_EMAILS_PER_CASE=$EMAILS})"
  echo "date: $(date -u)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(lscpu | sed -n 's/^Model name: *//p')"
  echo "total: $(( $(date +%s) - STARTED )) s"
} | tee "$OUT/summary.txt"
