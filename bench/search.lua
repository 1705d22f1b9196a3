-- wrk script for bench/search.sh: each request a GET of BENCH_PATH with one
-- query of the file BENCH_QUERIES (one a line, already URL-encoded), as one
-- of the signed-in people of BENCH_SESSIONS (space-separated session
-- cookies), chosen at random; done() prints one RESULT line.
local queries, sessions = {}, {}
for line in io.lines(os.getenv("BENCH_QUERIES")) do
  if line ~= "" then queries[#queries + 1] = line end
end
for s in string.gmatch(os.getenv("BENCH_SESSIONS") or "", "%S+") do sessions[#sessions + 1] = s end
local path = os.getenv("BENCH_PATH") or "/search?q="

request = function()
  local headers = { ["Cookie"] = "casework_session=" .. sessions[math.random(#sessions)] }
  return wrk.format("GET", path .. queries[math.random(#queries)], headers)
end

local codes = {}
response = function(status)
  local class = math.floor(status / 100)
  codes[class] = (codes[class] or 0) + 1
end

function done(summary, latency, requests)
  io.write(string.format(
    "RESULT requests=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f errors=%d\n",
    summary.requests, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency.max / 1000, summary.errors.status + summary.errors.timeout))
end
