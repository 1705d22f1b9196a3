#!/usr/bin/env bash
# Search benchmark (issue 16): on the large synthetic office of bench/run.sh
# (1,000,000 constituents, 300,000 cases, 5,000,000 emails), measures
#   - people search (GET /constituents?q=…): every query of the list alone,
#     ten times one after another (its median and p95), and the list mixed
#     at 10 connections;
#   - the one search over everything (GET /search?q=…): the list mixed at
#     10 connections, and each query alone.
# The readers are caseworkers (their searches leave out the sensitive cases
# of others) and the office manager.
#
#   bench/search.sh [sqlite|postgres|all]        (default: all)
#
# BENCH_SEARCH_ONLY=mixed measures only the search over everything mixed at
# 10 connections, after a 5 s warm-up: the way two builds are compared in
# turn on one office (BENCH_BIN=… for each; the server's CASEWORK_*
# settings, e.g. CASEWORK_SEARCHES_AT_ONCE, pass through).
#
# Environment: BENCH_CONSTITUENTS (default 1000000), BENCH_DATA, BENCH_PORT,
# BENCH_PG_URL, BENCH_BIN, BENCH_DURATION (default 10s) as for bench/run.sh,
# which generates (or reuses) the office first. Per-query times are written
# to the results folder.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHICH="${1:-all}"
NAME=search
# shellcheck source=bench/office.sh
source "$ROOT/bench/office.sh"
T_ALONE=20 T_PEOPLE=50 T_ALL=100
RESULTS=()

urlencode() { python3 -c 'import sys, urllib.parse; [print(urllib.parse.quote(l.rstrip("\n"), safe="")) for l in sys.stdin]'; }

# What caseworkers type to find a person: names, name + town, street +
# number, name + phone digits, emails and domains, phone numbers,
# postcodes, accents and punctuation either way, words that match nobody.
PEOPLE_QUERIES=(
  "noah patel riverside" "liam nguyen 2045550" "elm street apt 4" "ab cd ef gh ij kl mn op qr st"
  "ab" "ngu" "smi" "pat" "che" "ko" "macl" "da" "okon" "b" "z" "ueda" "zielinski"
  "aisha" "mei chen" "noah patel" "rosa ngu" "grace singh" "chen mei"
  "chloe" "chloé" "CHLOÉ DUBOIS" "obrien" "o'brien" "O’Brien" "dasilva" "da silva" "macleod"
  "aisha.ab" "ben.chen" "noah.patel1" "@example.net" "gmail" "@example.org"
  "204555" "204-555-01" "5551234" "2045559" "204 555 0142"
  "r2c" "r2k 4" "r2m3" "r2h 1b" "elm" "riverside" "maple ave" "12 maple avenue" "mill street 40"
  "zzqx" "nobody at all" "xavier quux" "patel zzqx" "qwertyuiop" "9999999999"
)

for kind in "${BACKENDS[@]}"; do
  use_backend "$kind"
  # Applies any newer migrations, and rebuilds people's search terms if
  # this build makes them differently (timed: it is an upgrade's cost).
  started=$(date +%s.%N)
  (cd "$DATA" && "$BIN" --database-url "$DB_URL" migrate >"$OUT/migrate-$kind.log" 2>&1) ||
    die "migrating failed: see $OUT/migrate-$kind.log"
  echo "$kind: migrated in $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
  grep -o 'rebuilt the constituents.*' "$OUT/migrate-$kind.log" | sed 's/\x1b\[[0-9;]*m//g' || true
  # What autovacuum does on a real server (it is off on this machine).
  if [ "$kind" = postgres ]; then sql "VACUUM (ANALYZE) constituents, constituent_terms, cases, correspondence, timeline, attachments" >/dev/null; fi
  office_id="$(cd "$DATA" && "$BIN" --database-url "$DB_URL" office list | awk -F'\t' -v n="$OFFICE" '$2 == n { print $1 }')"
  [ -n "$office_id" ] || die "no office \"$OFFICE\""
  # The one search: words in every message (common), words in few (a
  # person's file number, a name), case words and references, phrases,
  # prefixes, accents, and words found nowhere.
  file_numbers="$(sql "SELECT substr(body_text, length(body_text) - 7) FROM correspondence WHERE office_id = $office_id AND id % 500000 = 7 LIMIT 8")"
  reference="$(sql "SELECT reference FROM cases WHERE office_id = $office_id AND sensitive = FALSE ORDER BY id DESC LIMIT 1")"
  ALL_QUERIES=(
    "passport" "agency" "voicemail" "minister" "constituent documents" "the agency replied"
    "voicemail minister" "escalated documents friday"
    "\"letter to follow\"" "escal*" "chased friday" "senior officer review"
    "patel" "chloé dubois" "o'brien" "nakamura file" "mei chen passport"
    "housing repairs" "work permit" "pension" "benefit"
    "zzqx" "passport zzqx" "qwertyuiop asdfgh" "$reference"
  )
  while read -r n; do [ -n "$n" ] && ALL_QUERIES+=("$n" "file $n"); done <<<"$file_numbers"
  printf '%s\n' "${PEOPLE_QUERIES[@]}" | urlencode >"$OUT/people-queries.txt"
  printf '%s\n' "${ALL_QUERIES[@]}" | urlencode >"$OUT/all-queries-$kind.txt"

  start_server "$kind"
  mgr="$(sign_in "manager@$SLUG.casework.test")"
  sessions="$mgr"
  for who in $(sql "SELECT email FROM users WHERE office_id = $office_id AND role = 'caseworker' ORDER BY id LIMIT 4"); do
    sessions="$sessions $(sign_in "$who")"
  done
  cw="$(awk '{ print $2 }' <<<"$sessions")"

  if [ "${BENCH_SEARCH_ONLY:-}" = mixed ]; then
    BENCH_QUERIES="$OUT/all-queries-$kind.txt" BENCH_SESSIONS="$sessions" BENCH_PATH="/search?q=" \
      wrk -t2 -c10 -d5s --timeout 5s -s "$ROOT/bench/search.lua" "$BASE_URL" >/dev/null
    log "$kind: everything, mixed, 10 connections ($(basename "$BIN"))"
    all_t="$(BENCH_QUERIES="$OUT/all-queries-$kind.txt" BENCH_SESSIONS="$sessions" BENCH_PATH="/search?q=" \
      wrk -t2 -c10 -d"$DURATION" --timeout 5s -s "$ROOT/bench/search.lua" "$BASE_URL" | sed -n 's/^RESULT //p')"
    echo "  $all_t"
    stop_server
    RESULTS+=("| $kind | everything: ${#ALL_QUERIES[@]} queries mixed, 10 connections, after a 5 s warm-up | p95 $(field "$all_t" p95_ms) ms (p50 $(field "$all_t" p50_ms); $(field "$all_t" requests) requests, $(field "$all_t" errors) errors) | < $T_ALL ms | $(verdict "$(field "$all_t" p95_ms)" $T_ALL) |")
    continue
  fi

  log "$kind: people, each query alone (10 times)"
  worst_p50=0 worst_p95=0 worst_q=""
  while read -r q; do
    curl -s -o /dev/null -H "Cookie: casework_session=$cw" "$BASE_URL/constituents?q=$q"
    t="$(timed_gets "/constituents?q=$q" 10 "Cookie: casework_session=$cw")"
    echo "$q $t" >>"$OUT/people-alone-$kind.txt"
    p50="$(field "$t" p50_ms)" p95="$(field "$t" p95_ms)"
    if awk -v a="$p50" -v b="$worst_p50" 'BEGIN { exit !(a > b) }'; then worst_p50="$p50" worst_q="$q"; fi
    if awk -v a="$p95" -v b="$worst_p95" 'BEGIN { exit !(a > b) }'; then worst_p95="$p95"; fi
  done <"$OUT/people-queries.txt"
  echo "  slowest median: $worst_p50 ms ($worst_q); slowest p95: $worst_p95 ms"
  sort -t= -k3 -n -r "$OUT/people-alone-$kind.txt" | head -5 | sed 's/^/  /'

  log "$kind: people, mixed, 10 connections"
  people_t="$(BENCH_QUERIES="$OUT/people-queries.txt" BENCH_SESSIONS="$sessions" BENCH_PATH="/constituents?q=" \
    wrk -t2 -c10 -d"$DURATION" --timeout 5s -s "$ROOT/bench/search.lua" "$BASE_URL" | sed -n 's/^RESULT //p')"
  echo "  $people_t"

  log "$kind: everything, each query alone (10 times)"
  all_worst=0 all_q=""
  while read -r q; do
    curl -s -o /dev/null -H "Cookie: casework_session=$cw" "$BASE_URL/search?q=$q"
    t="$(timed_gets "/search?q=$q" 10 "Cookie: casework_session=$cw")"
    echo "$q $t" >>"$OUT/all-alone-$kind.txt"
    p50="$(field "$t" p50_ms)"
    if awk -v a="$p50" -v b="$all_worst" 'BEGIN { exit !(a > b) }'; then all_worst="$p50" all_q="$q"; fi
  done <"$OUT/all-queries-$kind.txt"
  echo "  slowest median: $all_worst ms ($all_q)"
  sort -t= -k3 -n -r "$OUT/all-alone-$kind.txt" | head -5 | sed 's/^/  /'

  log "$kind: everything, mixed, 10 connections"
  all_t="$(BENCH_QUERIES="$OUT/all-queries-$kind.txt" BENCH_SESSIONS="$sessions" BENCH_PATH="/search?q=" \
    wrk -t2 -c10 -d"$DURATION" --timeout 5s -s "$ROOT/bench/search.lua" "$BASE_URL" | sed -n 's/^RESULT //p')"
  echo "  $all_t"
  stop_server

  RESULTS+=("| $kind | people: the slowest query alone, median of 10 (\`$(python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$worst_q")\`) | $worst_p50 ms (slowest p95 $worst_p95) | < $T_ALONE ms | $(verdict "$worst_p50" $T_ALONE) |")
  RESULTS+=("| $kind | people: ${#PEOPLE_QUERIES[@]} queries mixed, 10 connections | p95 $(field "$people_t" p95_ms) ms (p50 $(field "$people_t" p50_ms); $(field "$people_t" requests) requests, $(field "$people_t" errors) errors) | < $T_PEOPLE ms | $(verdict "$(field "$people_t" p95_ms)" $T_PEOPLE) |")
  RESULTS+=("| $kind | everything: the slowest query alone, median of 10 (\`$(python3 -c 'import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))' "$all_q")\`) | $all_worst ms | — | — |")
  RESULTS+=("| $kind | everything: ${#ALL_QUERIES[@]} queries mixed, 10 connections | p95 $(field "$all_t" p95_ms) ms (p50 $(field "$all_t" p50_ms); $(field "$all_t" requests) requests, $(field "$all_t" errors) errors) | < $T_ALL ms | $(verdict "$(field "$all_t" p95_ms)" $T_ALL) |")
done

echo
echo "| database | measure | result | target | verdict |"
echo "|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
