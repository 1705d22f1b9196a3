#!/usr/bin/env bash
# Tagging benchmark: on the large synthetic office of bench/run.sh (its
# cases tagged, about 16.5 tagged emails a case), measures
#   - the Trends page for a year by month by Category, over messages and
#     over cases (one user: the page's own time);
#   - a drill-down list page (the cases of one Category value in one month,
#     and the messages of it) under 10 connections;
#   - merging a tag used by ~100,000 messages and cases, and undoing it.
#
#   bench/tags.sh [sqlite|postgres|all]        (default: all)
#
# Environment: BENCH_CONSTITUENTS (default 1000000), BENCH_DATA, BENCH_PORT,
# BENCH_PG_URL, BENCH_BIN, BENCH_DURATION (default 10s) as for bench/run.sh,
# which generates (or reuses) the office first. Needs wrk, curl, sqlite3,
# psql (bench/run.sh installs them).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHICH="${1:-all}"
NAME=tags
# shellcheck source=bench/office.sh
source "$ROOT/bench/office.sh"
T_TRENDS=500 T_DRILL=50 T_MERGE=5000

RESULTS=()
for kind in "${BACKENDS[@]}"; do
  use_backend "$kind"
  start_server "$kind"
  office_id="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" office list | awk -F'\t' -v n="$OFFICE" '$2 == n { print $1 }')"
  TOKEN="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" token create --email "manager@$SLUG.casework.test" --label tags-bench 2>/dev/null | tail -1)"
  [ -n "$TOKEN" ] || die "no API token"
  messages="$(sql "SELECT COUNT(*) FROM correspondence WHERE office_id = $office_id")"
  tagged="$(sql "SELECT COUNT(*) FROM correspondence_tags WHERE office_id = $office_id")"
  cases="$(sql "SELECT COUNT(*) FROM cases WHERE office_id = $office_id")"
  echo "office $office_id: $cases cases, $messages messages, $tagged message tags"

  log "$kind: Trends, a year by month by Category (one user)"
  curl -s -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE_URL/trends?kind=messages" || true
  t_msg="$(timed_gets '/api/v1/trends?dimension=category&period=month&periods=12&kind=messages' 20 "Authorization: Bearer $TOKEN")"
  echo "  messages: $t_msg"
  t_case="$(timed_gets '/api/v1/trends?dimension=category&period=month&periods=12&kind=cases' 20 "Authorization: Bearer $TOKEN")"
  echo "  cases:    $t_case"

  log "$kind: a drill-down list page, 10 connections"
  housing="$(sql "SELECT t.id FROM tags t JOIN tag_dimensions d ON d.id = t.dimension_id WHERE d.office_id = $office_id AND d.key = 'category' AND t.name = 'Housing' AND t.parent_id IS NULL")"
  month_from="$(date -u -d "$(date -u +%Y-%m-01) -1 month" +%Y-%m-%d)"
  month_to="$(date -u +%Y-%m-01)"
  drill="/api/v1/cases?tag=$housing&opened_from=$month_from&opened_before=$month_to&sort=newest"
  echo "  $drill: $(curl -s -H "Authorization: Bearer $TOKEN" "$BASE_URL$drill" | grep -o '"id":' | wc -l) cases on the first page"
  d="$(wrk_p95 "$drill" Authorization "Bearer $TOKEN")"
  echo "  $d"
  # The messages behind a count of Trends over messages: Housing, last month.
  drill_m="/api/v1/correspondence?tag=$housing&received_from=$month_from&received_before=$month_to"
  echo "  $drill_m: $(curl -s -H "Authorization: Bearer $TOKEN" "$BASE_URL$drill_m" | grep -o '"id":' | wc -l) messages on the first page"
  dm="$(wrk_p95 "$drill_m" Authorization "Bearer $TOKEN")"
  echo "  $dm"

  log "$kind: merge a tag used ~100,000 times, then undo"
  # The Category value used least often but at least 100,000 times (or,
  # in a smaller office, the one used most), counting messages and cases.
  uses_of="(SELECT COUNT(*) FROM correspondence_tags x WHERE x.tag_id = t.id) + (SELECT COUNT(*) FROM case_tags y WHERE y.tag_id = t.id)"
  read -r from uses < <(sql "SELECT t.id, $uses_of AS n FROM tags t JOIN tag_dimensions d ON d.id = t.dimension_id WHERE d.office_id = $office_id AND d.key = 'category' AND t.merged_into IS NULL AND t.parent_id IS NOT NULL ORDER BY ($uses_of < 100000), ABS($uses_of - 100000) LIMIT 1" | tr '|' ' ')
  if [ "$uses" -gt 150000 ]; then
    # At 1,000,000 constituents each value the generator uses has ~370,000
    # uses: move 100,000 of one value's uses to a new sibling first (the
    # triggers keep Trends' day counts), and merge that.
    parent="$(sql "SELECT parent_id FROM tags WHERE id = $from")"
    split="$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      -d "{\"dimension\": \"category\", \"name\": \"Benchmark split $(date -u +%H%M%S)\", \"parent_id\": $parent}" \
      "$BASE_URL/api/v1/tags" | sed -n 's/.*"id":\([0-9]*\).*/\1/p')"
    [ -n "$split" ] || die "could not add a value to split into"
    move="UPDATE correspondence_tags SET tag_id = $split WHERE tag_id = $from AND correspondence_id IN (SELECT correspondence_id FROM correspondence_tags WHERE tag_id = $from ORDER BY correspondence_id LIMIT 95000); UPDATE case_tags SET tag_id = $split WHERE tag_id = $from AND case_id IN (SELECT case_id FROM case_tags WHERE tag_id = $from ORDER BY case_id LIMIT 5000);"
    if [ "$kind" = sqlite ]; then
      sqlite3 -cmd '.timeout 30000' "$DATA/sqlite-$N/casework.db" "$move"
    else
      psql "$DB_URL" -qAtX -c "BEGIN; $move COMMIT;" >/dev/null
    fi
    from="$split"
    uses="$(sql "SELECT $uses_of FROM tags t WHERE t.id = $from")"
  fi
  into="$(sql "SELECT parent_id FROM tags WHERE id = $from")"
  m="$(curl -s -o "$OUT/merge-$kind.json" -w '%{time_total}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"into\": $into}" "$BASE_URL/api/v1/tags/$from/merge")"
  merge_id="$(sed -n 's/.*"merge_id":\([0-9]*\).*/\1/p' "$OUT/merge-$kind.json")"
  [ -n "$merge_id" ] || die "the merge failed: $(cat "$OUT/merge-$kind.json")"
  u="$(curl -s -o /dev/null -w '%{time_total}' -X POST -H "Authorization: Bearer $TOKEN" "$BASE_URL/api/v1/tag-merges/$merge_id/undo")"
  merge_ms="$(awk -v t="$m" 'BEGIN { printf "%.0f", t * 1000 }')"
  undo_ms="$(awk -v t="$u" 'BEGIN { printf "%.0f", t * 1000 }')"
  echo "  tag $from ($uses uses) into $into: merge ${merge_ms} ms, undo ${undo_ms} ms"
  stop_server

  RESULTS+=("| $kind | Trends, 12 months by Category, messages ($messages) | p95 $(field "$t_msg" p95_ms) ms (p50 $(field "$t_msg" p50_ms)) | < $T_TRENDS ms | $(verdict "$(field "$t_msg" p95_ms)" $T_TRENDS) |")
  RESULTS+=("| $kind | Trends, 12 months by Category, cases ($cases) | p95 $(field "$t_case" p95_ms) ms (p50 $(field "$t_case" p50_ms)) | < $T_TRENDS ms | $(verdict "$(field "$t_case" p95_ms)" $T_TRENDS) |")
  RESULTS+=("| $kind | drill-down list, 10 connections | p95 $(field "$d" p95_ms) ms ($(field "$d" requests) requests, $(field "$d" errors) errors) | < $T_DRILL ms | $(verdict "$(field "$d" p95_ms)" $T_DRILL) |")
  RESULTS+=("| $kind | drill-down list of messages, 10 connections | p95 $(field "$dm" p95_ms) ms ($(field "$dm" requests) requests, $(field "$dm" errors) errors) | < $T_DRILL ms | $(verdict "$(field "$dm" p95_ms)" $T_DRILL) |")
  RESULTS+=("| $kind | merge a tag used $uses times (then undo) | $merge_ms ms (undo $undo_ms ms) | < $T_MERGE ms | $(verdict "$merge_ms" $T_MERGE) |")
done

echo
echo "| database | measure | result | target | verdict |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
