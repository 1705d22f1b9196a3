#!/usr/bin/env bash
# Ingest benchmark: parse + store + file + group + index a Maildir of N
# messages with `casework mail import`, on SQLite and on PostgreSQL, beside
# the least work of ingest (the bare loop of
# crates/cli/examples/bare_ingest.rs: read, parse, hash, insert with an FTS5
# index) on the same files in the same run; and the time to render a
# one-page letter as PDF. On PostgreSQL with files in the database (the
# default) and in a folder; then a backup of each office and its restore.
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

# A backup of the office just built, and its restore into an empty place:
# $1 = label, $2 = restore target args (one string), rest = target args.
backup() {
  local label="$1" target="$2"; shift 2
  local start end
  start=$(date +%s.%N)
  CASEWORK_LOG=warn "$BIN" "$@" backup "$WORK/backup-$label" | tail -1
  end=$(date +%s.%N)
  local size
  size=$(du -sm "$WORK/backup-$label" | cut -f1)
  python3 -c "print(f'$label backup: {$end-$start:.1f} s, $size MB')"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  CASEWORK_LOG=warn "$BIN" $target restore "$WORK/backup-$label" >/dev/null
  end=$(date +%s.%N)
  python3 -c "print(f'$label restore: {$end-$start:.1f} s')"
  rm -rf "$WORK/backup-$label"
}

run "SQLite" --data-dir "$WORK/sqlite"
backup SQLite "--data-dir $WORK/sqlite-restored" --data-dir "$WORK/sqlite"
DB="casework_ingest_$$"
psql "$PG" -q -c "CREATE DATABASE $DB"
psql "$PG" -q -c "CREATE DATABASE ${DB}_folder"
psql "$PG" -q -c "CREATE DATABASE ${DB}_restored"
trap 'for d in $DB ${DB}_folder ${DB}_restored; do psql "$PG" -q -c "DROP DATABASE IF EXISTS $d" >/dev/null 2>&1 || true; done; rm -rf "$WORK"' EXIT
# Files in the database (PostgreSQL's default), then in a folder, to see their cost.
run "PostgreSQL" --database-url "${PG%/*}/$DB" --data-dir "$WORK/pg"
CASEWORK_FILES=folder run "PostgreSQL, files in a folder" --database-url "${PG%/*}/${DB}_folder" --data-dir "$WORK/pg-folder"
backup PostgreSQL "--database-url ${PG%/*}/${DB}_restored --data-dir $WORK/pg-restored" --database-url "${PG%/*}/$DB" --data-dir "$WORK/pg"

echo "letter rendering:"
"$TARGET/examples/letter_bench"
