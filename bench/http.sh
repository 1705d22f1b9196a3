# HTTP helpers of the benchmarks (sourced by bench/run.sh and
# bench/office.sh, with BASE_URL and die set): signing in and timing
# requests one after another.

# Signs in and prints the casework_session cookie (the generated office's
# people all have the demo password, or $PASSWORD).
sign_in() {
  local email="$1" jar page csrf code session
  jar="$(mktemp)"
  page="$(curl -s -c "$jar" "$BASE_URL/login")"
  csrf="$(printf '%s' "$page" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)"
  [ -n "$csrf" ] || die "no csrf field on /login"
  code="$(curl -s -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
    --data-urlencode "csrf=$csrf" --data-urlencode "email=$email" \
    --data-urlencode "password=${PASSWORD:-casework-demo}" --data-urlencode "next=/" "$BASE_URL/login")"
  [ "$code" = 303 ] || die "signing in as $email answered $code (expected 303)"
  session="$(awk '$6 == "casework_session" { print $7 }' "$jar")"
  rm -f "$jar"
  [[ "$session" =~ ^[0-9a-f]{64}$ ]] || die "no session cookie for $email"
  printf '%s' "$session"
}

# p50/p95/max in ms of N sequential GETs of a path sent with one header
# ("Name: value").
timed_gets() {
  local path="$1" count="$2" header="$3" i
  for i in $(seq 1 "$count"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "$header" "$BASE_URL$path"
  done | sort -n | awk '{ t[NR] = $1 * 1000 } END {
    p50 = t[int(NR * 0.5 + 0.5)]; p95 = t[int(NR * 0.95 + 0.5)];
    printf "p50_ms=%.1f p95_ms=%.1f max_ms=%.1f n=%d", p50, p95, t[NR], NR }'
}
