-- wrk script for bench/run.sh: one scenario per run, chosen with BENCH_SCENARIO.
--
--   search       GET /constituents?q=PREFIX (names, emails, phone digits, postcodes)
--   cases        GET /cases with the list's views, filters and sorts
--   constituent  GET /constituents/{id} for the ten people with ~200 history entries
--   mixed        all of the above plus other pages, and API writes (notes on cases,
--                constituent edits), as 50 signed-in users would do
--   reads, writes  the mixed run's reads alone and its writes alone (for diagnosis;
--                run.sh runs them when BENCH_DIAGNOSE=1)
--
-- Configuration comes from the environment (set by run.sh):
--   BENCH_SESSIONS   space-separated casework_session cookie values (page requests)
--   BENCH_MANAGER_SESSION  the office manager's session: pages that show sensitive
--                    cases (a case page, the long histories) are asked as the manager,
--                    who sees every case, so no request is refused by design
--   BENCH_TOKENS     space-separated API bearer tokens (writes in "mixed")
--   BENCH_LONG_IDS   space-separated constituent ids with ~200 timeline entries
--   BENCH_PERSON_MIN/MAX, BENCH_CASE_MIN/MAX   id ranges of the benchmark office
--   BENCH_RESULT     file to which done() appends one result line
--
-- Every response is counted by status class in each thread; done() sums
-- them, so a 3xx (e.g. a redirect to /login because a session is not
-- valid) is reported too, although wrk itself only counts status > 399.

local function words(s)
  local t = {}
  for w in string.gmatch(s or "", "%S+") do t[#t + 1] = w end
  return t
end

local scenario = os.getenv("BENCH_SCENARIO") or "mixed"
local sessions = words(os.getenv("BENCH_SESSIONS"))
local manager_session = os.getenv("BENCH_MANAGER_SESSION") or ""
local tokens = words(os.getenv("BENCH_TOKENS"))
local long_ids = words(os.getenv("BENCH_LONG_IDS"))
local person_min = tonumber(os.getenv("BENCH_PERSON_MIN") or "1")
local person_max = tonumber(os.getenv("BENCH_PERSON_MAX") or "1")
local case_min = tonumber(os.getenv("BENCH_CASE_MIN") or "1")
local case_max = tonumber(os.getenv("BENCH_CASE_MAX") or "1")
local result_file = os.getenv("BENCH_RESULT")
if result_file == "" then result_file = nil end

-- What people type into the search box: last-name prefixes, first names,
-- email prefixes, phone digits, postcodes, and a few two-word queries.
local queries = {
  "ab", "ngu", "smi", "pat", "che", "mor", "tre", "sin", "ko", "macl", "da", "okon",
  "b", "z", "ueda", "zielinski",
  "aisha", "ben", "car", "dmi", "grace", "hiro", "mei", "zoe", "quinn", "yus",
  "aisha.ab", "ben.chen", "noah.patel1", "mei.nguyen12", "grace.singh1",
  "204555", "204-555-01", "5551234", "2045559",
  "r2c", "r2e", "r2k 4", "r2m3", "r2h 1b",
  "elm", "riverside", "maple ave",
  "mei chen", "noah patel", "rosa ngu",
}

local case_lists = {
  "/cases", "/cases?view=mine", "/cases?status=open", "/cases?sort=oldest",
  "/cases?view=active", "/cases?view=unassigned", "/cases?sort=newest",
  "/cases?status=awaiting_third_party&sort=oldest", "/cases?category=Housing",
}

local notes = {
  "Called the constituent back; they have sent the missing documents.",
  "Agency liaison confirmed receipt and gave a new reference number.",
  "Left a voicemail; will try again tomorrow.",
}

local function pick(t) return t[math.random(#t)] end

local function urlencode(s)
  return (string.gsub(s, "[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function page(path, session)
  local headers = {}
  session = session or pick(sessions)
  if session ~= nil and session ~= "" then headers["Cookie"] = "casework_session=" .. session end
  return wrk.format("GET", path, headers)
end

local function api(method, path, body)
  local headers = {
    ["Authorization"] = "Bearer " .. pick(tokens),
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
  }
  return wrk.format(method, path, headers, body)
end

local function search() return page("/constituents?q=" .. urlencode(pick(queries))) end
local function case_list() return page(pick(case_lists)) end
local function long_person() return page("/constituents/" .. pick(long_ids), manager_session) end

-- Writes go to people and cases after the first ten, so the ten long
-- histories stay as generated.
local function some_case() return math.random(math.min(case_min + 10, case_max), case_max) end
local function some_person() return math.random(math.min(person_min + 10, person_max), person_max) end

local function mixed()
  local r = math.random(100)
  if r <= 30 then return search()
  elseif r <= 50 then return case_list()
  elseif r <= 60 then return long_person()
  elseif r <= 70 then return page("/constituents/" .. some_person())
  elseif r <= 75 then return page("/cases/" .. some_case(), manager_session)
  elseif r <= 78 then return page("/constituents")
  elseif r <= 90 then
    return api("POST", "/api/v1/cases/" .. some_case() .. "/notes",
      '{"body": "' .. pick(notes) .. '"}')
  else
    return api("PATCH", "/api/v1/constituents/" .. some_person(),
      '{"notes": "Prefers a call after 5 pm (benchmark edit ' .. math.random(1000000) .. ')."}')
  end
end

-- For diagnosis: the mixed run split into its reads and its writes.
local function reads()
  local r = math.random(78)
  if r <= 30 then return search()
  elseif r <= 50 then return case_list()
  elseif r <= 60 then return long_person()
  elseif r <= 70 then return page("/constituents/" .. some_person())
  elseif r <= 75 then return page("/cases/" .. some_case(), manager_session)
  else return page("/constituents") end
end

local function writes()
  if math.random(22) <= 12 then
    return api("POST", "/api/v1/cases/" .. some_case() .. "/notes",
      '{"body": "' .. pick(notes) .. '"}')
  end
  return api("PATCH", "/api/v1/constituents/" .. some_person(),
    '{"notes": "Prefers a call after 5 pm (benchmark edit ' .. math.random(1000000) .. ')."}')
end

local make = ({ search = search, cases = case_list, constituent = long_person, mixed = mixed,
  reads = reads, writes = writes })[scenario]
if make == nil then error("unknown BENCH_SCENARIO " .. scenario) end

-- Per-thread state and counting.
local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + (id or 0) * 7919)
  s2xx, s3xx, s4xx, s5xx = 0, 0, 0, 0
end

function request()
  return make()
end

function response(status, headers, body)
  if status < 300 then s2xx = s2xx + 1
  elseif status < 400 then s3xx = s3xx + 1
  elseif status < 500 then s4xx = s4xx + 1
  else s5xx = s5xx + 1 end
end

function done(summary, latency, requests)
  local c2, c3, c4, c5 = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c2 = c2 + (t:get("s2xx") or 0)
    c3 = c3 + (t:get("s3xx") or 0)
    c4 = c4 + (t:get("s4xx") or 0)
    c5 = c5 + (t:get("s5xx") or 0)
  end
  local e = summary.errors
  local socket = e.connect + e.read + e.write + e.timeout
  local secs = summary.duration / 1e6
  local line = string.format(
    "scenario=%s requests=%d rps=%.1f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f max_ms=%.2f " ..
    "s2xx=%d s3xx=%d s4xx=%d s5xx=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d wrk_status_errors=%d",
    scenario, summary.requests, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, c2, c3, c4, c5, socket, e.connect, e.read, e.write, e.timeout, e.status)
  io.write("RESULT " .. line .. "\n")
  if result_file then
    local f = io.open(result_file, "a")
    f:write(line .. "\n")
    f:close()
  end
end
