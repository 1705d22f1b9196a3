#!/usr/bin/env bash
# Ingest benchmark: parse + store + file + group + index a Maildir of N
# messages with `casework mail import`, on SQLite and on PostgreSQL, beside
# the least work of ingest (the bare loop of
# crates/cli/examples/bare_ingest.rs: read, parse, hash, insert with an FTS5
# index) on the same files in the same run; and the time to render a
# one-page letter as PDF.
#
#   bench/ingest.sh [N] [MIX]     N default 100000
#
# MIX: varied    mixed mail (bench/mailgen.py: plain, HTML, replies with
#                references, attachments, malformed) (the default)
#      campaigns two thirds copies of one advocacy campaign, one third
#                individual casework emails, all different
#                (bench/campaigngen.py --flood / --singles)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-100000}"
MIX="${2:-varied}"
PG="${CASEWORK_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release --locked -p casework --bin casework --example bare_ingest \
  -p casework-letters --example letter_bench >/dev/null
TARGET="${CARGO_TARGET_DIR:-$PWD/target}/release"
BIN="${BENCH_BIN:-$TARGET/casework}"
WORK="$(mktemp -d /tmp/casework-ingest-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
echo "generating $N messages ($MIX)"
case "$MIX" in
  varied) python3 bench/mailgen.py "$WORK/Maildir" "$N" ;;
  campaigns)
    copies=$(( N * 2 / 3 ))
    python3 bench/campaigngen.py "$WORK/flood" --flood "$copies" --prefix flood --seed 3 >/dev/null
    python3 bench/campaigngen.py "$WORK/single" --singles $(( N - copies )) --prefix single --seed 11 >/dev/null
    mkdir -p "$WORK/Maildir/cur" "$WORK/Maildir/tmp"
    mv "$WORK/flood/Maildir/new" "$WORK/Maildir/new"
    # The singles after the flood's copies, in name (= time) order.
    (cd "$WORK/single/Maildir/new" && for f in *; do mv "$f" "$WORK/Maildir/new/z$f"; done)
    ;;
  *) echo "MIX is varied or campaigns" >&2; exit 2 ;;
esac
echo "maildir: $(find "$WORK/Maildir" -type f | wc -l) files, $(du -sh "$WORK/Maildir" | cut -f1)"
# Read every file once, so that every run below finds them in the page cache.
find "$WORK/Maildir" -type f -exec cat {} + >/dev/null

"$TARGET/examples/bare_ingest" "$WORK/Maildir" "$WORK/bare.db"

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
"$TARGET/examples/letter_bench"
