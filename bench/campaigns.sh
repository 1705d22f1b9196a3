#!/usr/bin/env bash
# Campaign mail benchmarks (figures in docs/benchmarks.md).
#
#   bench/campaigns.sh quality
#     Generates the labelled corpus (bench/campaigngen.py: small and full
#     scale, two seeds), imports it with `casework mail import` in batches of
#     500 (a migration) and of 20 (mail as it arrives from a mailbox), and
#     scores the grouping and flagging with bench/campaign_quality.py.
#
#   bench/campaigns.sh ingest [N]
#     Stores a campaign of N copies (default 50000), then times importing
#     6,000 mixed messages (more copies of that campaign, other campaigns,
#     single messages, newsletters) plus 20,000 single messages into the same
#     office, on SQLite and on PostgreSQL. Reports messages per second, the
#     size of the candidate index (the only thing grouping keeps per stored
#     message) and the importer's peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
what="${1:-quality}"
PG="${CASEWORK_BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}"
cargo build --release --locked -p casework --bin casework >/dev/null
BIN="$PWD/target/release/casework"
WORK="$(mktemp -d /tmp/casework-campaigns-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
export CASEWORK_LOG=warn

quality() {
  for scale in small full; do
    for seed in 7 8; do
      python3 bench/campaigngen.py "$WORK/c-$scale-$seed" --scale "$scale" --seed "$seed" >/dev/null
      for batch in 500 20; do
        dir="$WORK/db-$scale-$seed-$batch"
        "$BIN" --data-dir "$dir" office add Bench >/dev/null
        "$BIN" --data-dir "$dir" mail import "$WORK/c-$scale-$seed/Maildir" --office Bench --batch "$batch" >/dev/null
        printf '%-5s seed %s batch %3s: ' "$scale" "$seed" "$batch"
        python3 bench/campaign_quality.py "$WORK/c-$scale-$seed/labels.csv" "$dir/casework.db" --no-fail | tail -1
      done
    done
  done
}

timed_import() {  # $1 = label, $2 = folder, rest = target args; prints rate and peak memory
  local label="$1" dir="$2"; shift 2
  local n start end
  n=$(find "$dir" -type f | wc -l)
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$WORK/rss" "$BIN" "$@" mail import "$dir" --office Bench | tail -1 >"$WORK/out"
  end=$(date +%s.%N)
  python3 - "$label" "$n" "$start" "$end" "$(cat "$WORK/rss")" "$(cat "$WORK/out")" <<'PY'
import sys
label, n, s, e, rss, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
print(f"{label}: {n} messages in {e - s:.1f} s = {n / (e - s):.0f} messages/s, peak memory {rss / 1024:.0f} MB")
print(f"  {out}")
PY
}

ingest() {
  local n="${1:-50000}"
  echo "generating a campaign of $n copies, 6,000 mixed and 20,000 single messages"
  python3 bench/campaigngen.py "$WORK/flood" --flood "$n" --prefix flood --seed 3 >/dev/null
  python3 bench/campaigngen.py "$WORK/mixed" --scale full --seed 9 --prefix mixed >/dev/null
  python3 bench/campaigngen.py "$WORK/single" --singles 20000 --prefix single --seed 11 >/dev/null
  run() {  # $1 = label, rest = target args
    local label="$1"; shift
    "$BIN" "$@" office add Bench >/dev/null
    timed_import "$label, storing the campaign" "$WORK/flood/Maildir" "$@"
    timed_import "$label, mixed mail with the campaign stored" "$WORK/mixed/Maildir" "$@"
    timed_import "$label, single messages with the campaign stored" "$WORK/single/Maildir" "$@"
  }
  run "SQLite" --data-dir "$WORK/sqlite"
  python3 - "$WORK/sqlite/casework.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n, b = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(shingles)), 0) FROM campaign_pending").fetchone()
a = db.execute("SELECT COUNT(*) FROM campaign_anchors").fetchone()[0]
t = db.execute("SELECT COUNT(*), COALESCE(SUM(LENGTH(template)), 0), MAX(message_count) FROM campaigns").fetchone()
m = db.execute("SELECT COUNT(*) FROM correspondence").fetchone()[0]
print(f"SQLite: {m} messages stored; candidate index: {n} messages, {b / 1024:.0f} KiB of shingles, {a} anchors; "
      f"{t[0]} campaign templates in memory, {t[1] / 1024:.0f} KiB; largest campaign {t[2]} copies")
PY
  local db="casework_campaigns_$$"
  psql "$PG" -q -c "CREATE DATABASE $db"
  trap 'psql "$PG" -q -c "DROP DATABASE IF EXISTS '"$db"'" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
  run "PostgreSQL" --database-url "${PG%/*}/$db" --data-dir "$WORK/pg"
}

case "$what" in
  quality) quality ;;
  ingest) ingest "${2:-50000}" ;;
  *) echo "usage: bench/campaigns.sh quality | ingest [N]" >&2; exit 2 ;;
esac
