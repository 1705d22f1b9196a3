# Shared by the benchmarks that measure the large office of bench/run.sh
# (bench/tags.sh, bench/follow_up.sh): sourced with ROOT, WHICH (sqlite,
# postgres or all) and NAME (the results folder's prefix) set. It reads the
# common BENCH_* settings, builds the release binary unless BENCH_BIN is
# given, has bench/run.sh generate (or find) the office, and makes $OUT.

N="${BENCH_CONSTITUENTS:-1000000}"
DATA="${BENCH_DATA:-$ROOT/target/bench}"
PORT="${BENCH_PORT:-18080}"
DURATION="${BENCH_DURATION:-10s}"
PG_BASE="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_BASE="${PG_BASE%/}"
BIN="${BENCH_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release/casework}"
OFFICE="Benchmark Office ${N}"
SLUG="$(printf '%s' "$OFFICE" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9' | cut -c1-30)"
BASE_URL="http://127.0.0.1:${PORT}"

case "$WHICH" in
  sqlite | postgres) BACKENDS=("$WHICH") ;;
  all) BACKENDS=(sqlite postgres) ;;
  *) echo "usage: $0 [sqlite|postgres|all]" >&2; exit 2 ;;
esac

log() { printf '\n=== %s  %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { echo "bench: $*" >&2; exit 1; }
field() { sed -n "s/.*\\b$2=\\([^ ]*\\).*/\\1/p" <<<"$1"; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; then echo pass; else echo "**FAIL**"; fi; }

if [ -z "${BENCH_BIN:-}" ]; then
  (cd "$ROOT" && cargo build --release --locked -p casework --bin casework)
fi

# The office, generated or found by the main benchmark.
BENCH_GENERATE_ONLY=1 BENCH_CONSTITUENTS="$N" BENCH_DATA="$DATA" BENCH_BIN="$BIN" \
  BENCH_PG_URL="$PG_BASE" bash "$ROOT/bench/run.sh" "$WHICH"

OUT="$DATA/$NAME-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap stop_server EXIT

# Starts `casework serve` on $DB_URL for backend $1 and waits until it answers.
start_server() {
  log "$1: starting the server"
  (cd "$DATA" && exec "$BIN" --database-url "$DB_URL" serve --listen "127.0.0.1:$PORT") >"$OUT/server-$1.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE_URL/healthz" || true)" = 200 ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || die "the server stopped"
    sleep 0.1
  done
}

# wrk at 10 connections on a path sent with one header (name, value): a 3 s
# warm-up, then $DURATION measured; prints its RESULT line (requests,
# p50/p95/max in ms, errors).
wrk_p95() {
  local path="$1" script
  script="$(mktemp "$OUT/wrk-XXXXXX.lua")"
  cat >"$script" <<LUA
wrk.headers["$2"] = "$3"
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f errors=%d\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency.max / 1000, summary.errors.status + summary.errors.timeout))
end
LUA
  wrk -t2 -c10 -d3s -s "$script" "$BASE_URL$path" >/dev/null 2>&1 || true
  wrk -t2 -c10 -d"$DURATION" --timeout 5s -s "$script" "$BASE_URL$path" | sed -n 's/^RESULT //p'
}

# Points DB_URL and sql (one statement, its rows printed) at the office on
# backend $1.
use_backend() {
  if [ "$1" = sqlite ]; then
    DB_URL="sqlite:$DATA/sqlite-$N/casework.db"
    sql() { sqlite3 -cmd '.timeout 30000' "$DATA/sqlite-$N/casework.db" "$1"; }
  else
    DB_URL="$PG_BASE/casework_bench_${N}"
    sql() { psql "$DB_URL" -qAtX -c "$1"; }
  fi
}

# shellcheck source=bench/http.sh
source "$ROOT/bench/http.sh"
