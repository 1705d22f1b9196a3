#!/usr/bin/env bash
# Ingest benchmark: parse + store + file + index a Maildir of N mixed messages
# with `casework mail import`, on SQLite and on PostgreSQL; and the time to
# render a one-page letter as PDF.
#   bench/ingest.sh [N]   (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
PG="${CASEWORK_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release --locked -p casework --bin casework -p casework-letters --example letter_bench >/dev/null
BIN="$PWD/target/release/casework"
WORK="$(mktemp -d /tmp/casework-ingest-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
echo "generating $N messages"
python3 bench/mailgen.py "$WORK/Maildir" "$N"
du -sh "$WORK/Maildir" | sed 's/^/maildir size: /'

run() {  # $1 = label, rest = target args
  local label="$1"; shift
  "$BIN" "$@" office add "Ingest bench" >/dev/null 2>&1
  # Some constituents, so that sender matching does real lookups.
  "$BIN" "$@" demo --constituents 2000 --office "Ingest constituents" >/dev/null 2>&1 || true
  local start end
  start=$(date +%s.%N)
  CASEWORK_LOG=warn "$BIN" "$@" mail import "$WORK/Maildir" --office "Ingest bench" | tail -1
  end=$(date +%s.%N)
  python3 -c "import sys; n=$N; s=$end-$start; print(f'$label: {n} messages in {s:.1f} s = {n/s:.0f} messages/s')"
  start=$(date +%s.%N)
  CASEWORK_LOG=warn "$BIN" "$@" mail import "$WORK/Maildir" --office "Ingest bench" | tail -1
  end=$(date +%s.%N)
  python3 -c "print(f'$label, again (all skipped): {$end-$start:.1f} s')"
}

run "SQLite" --data-dir "$WORK/sqlite"
DB="casework_ingest_$$"
psql "$PG" -q -c "CREATE DATABASE $DB"
trap 'psql "$PG" -q -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
run "PostgreSQL" --database-url "${PG%/*}/$DB" --data-dir "$WORK/pg"

echo "letter rendering:"
target/release/examples/letter_bench
