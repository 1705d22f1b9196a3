#!/usr/bin/env bash
# Weekly review benchmark (issue 15): on the large synthetic office of
# bench/run.sh (1,000,000 constituents, 300,000 cases, 5,000,000 emails over
# two years), measures
#   - the review page for the last whole week, as the office manager (the
#     whole office) and as the caseworker with the most open cases (their
#     own), 20 requests one after another each;
#   - the representative's briefing for that week as PDF, 10 requests.
# Twenty cases are raised with the representative during that week first
# (by SQL), so that the briefing has cases to name.
#
#   bench/review.sh [sqlite|postgres|all]        (default: all)
#
# Environment: BENCH_CONSTITUENTS (default 1000000), BENCH_DATA, BENCH_PORT,
# BENCH_PG_URL, BENCH_BIN as for bench/run.sh, which generates (or reuses)
# the office first.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHICH="${1:-all}"
NAME=review
# shellcheck source=bench/office.sh
source "$ROOT/bench/office.sh"
T_PAGE=500 T_PDF=2000

RESULTS=()
for kind in "${BACKENDS[@]}"; do
  use_backend "$kind"
  # Applies any newer migrations (bench/run.sh may have already).
  (cd "$DATA" && "$BIN" --database-url "$DB_URL" migrate >"$OUT/migrate-$kind.log" 2>&1) ||
    die "migrating failed: see $OUT/migrate-$kind.log"
  if [ "$kind" = postgres ]; then sql "VACUUM (ANALYZE) cases, constituents, correspondence, enquiries, tasks, case_tags, case_flags, mail_day_counts, open_tag_counts" >/dev/null; fi
  office_id="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" office list | awk -F'\t' -v n="$OFFICE" '$2 == n { print $1 }')"
  [ -n "$office_id" ] || die "no office \"$OFFICE\""
  manager_id="$(sql "SELECT id FROM users WHERE email = 'manager@$SLUG.casework.test'")"
  read -r busiest busiest_n < <(sql "SELECT u.email, COUNT(*) FROM cases c JOIN users u ON u.id = c.assignee_id WHERE c.office_id = $office_id AND c.status NOT IN ('resolved', 'closed', 'transferred') GROUP BY u.email ORDER BY COUNT(*) DESC LIMIT 1" | tr '|' ' ')
  # The last whole week (Monday to Sunday, UTC: the generated office's).
  monday="$(date -u -d "$(date -u +%Y-%m-%d) -$(( $(date -u +%u) - 1 )) day -7 day" +%Y-%m-%d)"
  flag_at=$(( $(date -u -d "$monday + 3 day" +%s) * 1000 ))
  if [ "$(sql "SELECT COUNT(*) FROM case_flags WHERE office_id = $office_id AND flagged_at = $flag_at")" = 0 ]; then
    sql "INSERT INTO case_flags (office_id, case_id, summary, flagged_by, flagged_at) SELECT office_id, id, 'Raised for the benchmark', $manager_id, $flag_at FROM cases WHERE office_id = $office_id AND status NOT IN ('resolved', 'closed', 'transferred') ORDER BY id DESC LIMIT 20" >/dev/null
  fi
  echo "office $office_id: week of $monday; $busiest has $busiest_n open cases"

  start_server "$kind"
  mgr="$(sign_in "manager@$SLUG.casework.test")"
  cw="$(sign_in "$busiest")"
  curl -s -b "casework_session=$mgr" "$BASE_URL/review" >"$OUT/review-$kind.html"
  grep -o '<h2[^<]*' "$OUT/review-$kind.html" | sed 's/<h2[^>]*>/  /' | head -8

  log "$kind: the review page, the office manager (one user)"
  office_t="$(timed_gets /review 20 "Cookie: casework_session=$mgr")"
  echo "  $office_t"
  log "$kind: the review page, the busiest caseworker's own (one user)"
  own_t="$(timed_gets /review 20 "Cookie: casework_session=$cw")"
  echo "  $own_t"
  log "$kind: the briefing as PDF (one user)"
  curl -s -b "casework_session=$mgr" -o "$OUT/briefing-$kind.pdf" "$BASE_URL/review/briefing.pdf"
  pdf_t="$(timed_gets /review/briefing.pdf 10 "Cookie: casework_session=$mgr")"
  echo "  $pdf_t ($(stat -c %s "$OUT/briefing-$kind.pdf") bytes)"
  stop_server

  RESULTS+=("| $kind | review page, the office manager, the whole office | p95 $(field "$office_t" p95_ms) ms (p50 $(field "$office_t" p50_ms)) | < $T_PAGE ms | $(verdict "$(field "$office_t" p95_ms)" $T_PAGE) |")
  RESULTS+=("| $kind | review page, the busiest caseworker ($busiest_n open cases), their own | p95 $(field "$own_t" p95_ms) ms (p50 $(field "$own_t" p50_ms)) | < $T_PAGE ms | $(verdict "$(field "$own_t" p95_ms)" $T_PAGE) |")
  RESULTS+=("| $kind | the representative's briefing as PDF | p95 $(field "$pdf_t" p95_ms) ms (p50 $(field "$pdf_t" p50_ms)) | < $T_PDF ms | $(verdict "$(field "$pdf_t" p95_ms)" $T_PDF) |")
done

echo
echo "| database | measure | result | target | verdict |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
