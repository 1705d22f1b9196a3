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
