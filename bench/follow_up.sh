#!/usr/bin/env bash
# Follow-up benchmark (third parties, issue 14): on the large synthetic
# office of bench/run.sh, whose generator gives each case its enquiries to
# an agency and its tasks (at 1,000,000 constituents about 200,000 open
# enquiries and 500,000 tasks), measures
#   - "my day" (the home page) for the caseworker with the most open tasks,
#     and for the office manager looking at everyone's, under 10 connections;
#   - the agency turnaround page (20 requests one after another);
#   - the follow-up pass of the scheduler (`casework follow-up --on DAY`)
#     for each of the next five days: each finds that day's newly overdue
#     enquiries and makes their chase tasks;
#   - then, with "no activity for 28 days" turned on, its first pass (every
#     open case already quiet gets its task) and the next day's.
#
#   bench/follow_up.sh [sqlite|postgres|all]        (default: all)
#
# Environment: BENCH_CONSTITUENTS (default 1000000), BENCH_DATA, BENCH_PORT,
# BENCH_PG_URL, BENCH_BIN, BENCH_DURATION (default 10s) as for bench/run.sh,
# which generates (or reuses) the office first. The passes change the
# office (they make tasks): a second run on the same office finds the next
# days' chases already made, and says so (each pass prints what it made).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHICH="${1:-all}"
NAME=follow-up
# shellcheck source=bench/office.sh
source "$ROOT/bench/office.sh"
T_DAY=50 T_TURNAROUND=500 T_PASS=1000

# One pass as of a day: prints "ms made", made = tasks of every kind.
pass_on() {
  local line
  line="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" follow-up --on "$1" 2>>"$OUT/follow-up-$kind.log")" ||
    die "the follow-up pass failed: see $OUT/follow-up-$kind.log"
  echo "  $1: $line" >&2
  awk '{ for (i = 1; i <= NF; i++) if ($i == "in") ms = $(i + 1); print ms, $3 + $8 + $11 }' <<<"$line"
}

RESULTS=()
for kind in "${BACKENDS[@]}"; do
  use_backend "$kind"
  # Applies any newer migrations before the counts are read.
  (cd "$DATA" && "$BIN" --database-url "$DB_URL" migrate >/dev/null)
  # A bulk-loaded PostgreSQL database has no visibility map until it is
  # vacuumed (autovacuum would have, soon after the load; it is off on the
  # benchmark machine), and without it no count is read from an index alone.
  if [ "$kind" = postgres ]; then psql "$DB_URL" -qAtX -c "VACUUM (ANALYZE) enquiries, tasks, cases" >/dev/null; fi
  office_id="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" office list | awk -F'\t' -v n="$OFFICE" '$2 == n { print $1 }')"
  [ -n "$office_id" ] || die "no office \"$OFFICE\""
  open_enquiries="$(sql "SELECT COUNT(*) FROM enquiries WHERE office_id = $office_id AND answered_on IS NULL")"
  all_tasks="$(sql "SELECT COUNT(*) FROM tasks WHERE office_id = $office_id")"
  open_tasks="$(sql "SELECT COUNT(*) FROM tasks WHERE office_id = $office_id AND done_at IS NULL")"
  read -r busiest busiest_n < <(sql "SELECT u.email, COUNT(*) FROM tasks t JOIN users u ON u.id = t.assignee_id WHERE t.office_id = $office_id AND t.done_at IS NULL GROUP BY u.email ORDER BY COUNT(*) DESC LIMIT 1" | tr '|' ' ')
  echo "office $office_id: $open_enquiries open enquiries, $all_tasks tasks ($open_tasks open; $busiest has $busiest_n)"

  start_server "$kind"
  # The server's own first pass catches up to today before anything is timed.
  sleep 3
  cw="$(sign_in "$busiest")"
  mgr="$(sign_in "manager@$SLUG.casework.test")"

  log "$kind: my day, 10 connections"
  curl -s -b "casework_session=$cw" "$BASE_URL/" >"$OUT/my-day-$kind.html"
  grep -o '<caption[^<]*' "$OUT/my-day-$kind.html" | sed 's/<caption[^>]*>/  /' | head -4
  day_cw="$(wrk_p95 / Cookie "casework_session=$cw")"
  echo "  caseworker: $day_cw"
  day_all="$(wrk_p95 '/?whose=everyone' Cookie "casework_session=$mgr")"
  echo "  manager, everyone's: $day_all"

  log "$kind: agency turnaround (one user)"
  curl -s -o /dev/null -b "casework_session=$mgr" "$BASE_URL/agencies/turnaround" || true
  turn="$(timed_gets /agencies/turnaround 20 "Cookie: casework_session=$mgr")"
  echo "  $turn"
  stop_server

  log "$kind: the follow-up pass, the next five days"
  today="$(date -u +%Y-%m-%d)"
  pass_on "$today" >/dev/null
  # Each pass clears the chase date of the enquiries it made tasks for. On
  # PostgreSQL the old row versions stay until autovacuum (off on the
  # benchmark machine) removes them: vacuum before each pass, as it would.
  vacuum() { if [ "$kind" = postgres ]; then sql "VACUUM (ANALYZE) enquiries, tasks" >/dev/null; fi; }
  worst=0 made_total=0
  for d in 1 2 3 4 5; do
    vacuum
    read -r ms made < <(pass_on "$(date -u -d "$today + $d day" +%Y-%m-%d)")
    made_total=$((made_total + made))
    worst="$(awk -v a="$ms" -v b="$worst" 'BEGIN { print (a > b) ? a : b }')"
  done

  log "$kind: no activity for 28 days, turned on"
  sql "UPDATE offices SET quiet_days = 28, quiet_checked_at = NULL WHERE id = $office_id" >/dev/null
  read -r q_ms q_made < <(pass_on "$(date -u -d "$today + 6 day" +%Y-%m-%d)")
  # The next day's pass looks at the day since (as if run a day later).
  sql "UPDATE offices SET quiet_checked_at = quiet_checked_at - 86400000 WHERE id = $office_id" >/dev/null
  read -r q2_ms q2_made < <(pass_on "$(date -u -d "$today + 7 day" +%Y-%m-%d)")
  sql "UPDATE offices SET quiet_days = 0 WHERE id = $office_id" >/dev/null

  RESULTS+=("| $kind | my day, the busiest caseworker ($busiest_n open tasks), 10 connections | p95 $(field "$day_cw" p95_ms) ms ($(field "$day_cw" requests) requests, $(field "$day_cw" errors) errors) | < $T_DAY ms | $(verdict "$(field "$day_cw" p95_ms)" $T_DAY) |")
  RESULTS+=("| $kind | my day, office manager, everyone's ($open_tasks open tasks), 10 connections | p95 $(field "$day_all" p95_ms) ms ($(field "$day_all" requests) requests, $(field "$day_all" errors) errors) | < $T_DAY ms | $(verdict "$(field "$day_all" p95_ms)" $T_DAY) |")
  RESULTS+=("| $kind | agency turnaround page ($open_enquiries open enquiries) | p95 $(field "$turn" p95_ms) ms (p50 $(field "$turn" p50_ms)) | < $T_TURNAROUND ms | $(verdict "$(field "$turn" p95_ms)" $T_TURNAROUND) |")
  RESULTS+=("| $kind | follow-up pass, each of the next 5 days ($made_total tasks made) | slowest $worst ms | < $T_PASS ms | $(verdict "$worst" $T_PASS) |")
  RESULTS+=("| $kind | no activity for 28 days: first pass, then the next | $q_ms ms ($q_made tasks made), then $q2_ms ms ($q2_made) | (none set) | |")
done

echo
echo "| database | measure | result | target | verdict |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
