-- wrk script of the ingest bench (bench/ingest/run.ts writes the body template and runs wrk).
--   wrk ... -s bench/ingest/post.lua <url> -- <body template file> <run nonce> [uuid] [callers]
--   env WRK_AUTHORIZATION: value of the Authorization header (unset for the bare server)
-- Every "@ID@" in the template is replaced by an id unique to the request
-- (<nonce>-<thread>-<counter>), so Tapline's dedupe never turns a request into a no-op retry.
-- A batch template holds "@ID@-0" ... "@ID@-249", one per item. With "uuid", each "@ID@" is a
-- random UUID instead, as gateways send (APIM's request id): ids that do not arrive in order.
-- With a number of callers N, each "@CALLER@" becomes a caller drawn at random from N (as hex).

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local auth = os.getenv("WRK_AUTHORIZATION")
if auth and auth ~= "" then
  wrk.headers["Authorization"] = auth
end

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
end

local pieces = {}
local prefix = ""
local counter = 0
local uuids = false
local callers = 0
-- kinds[i]: the placeholder that follows pieces[i], "id" or "caller"
local kinds = {}

function init(args)
  local f = assert(io.open(args[1], "rb"), "cannot open the body template " .. tostring(args[1]))
  local template = f:read("*a")
  f:close()
  local from = 1
  while true do
    local s, e = string.find(template, "@ID@", from, true)
    local cs, ce = string.find(template, "@CALLER@", from, true)
    local kind = "id"
    if cs and (not s or cs < s) then s, e, kind = cs, ce, "caller" end
    if not s then break end
    pieces[#pieces + 1] = string.sub(template, from, s - 1)
    kinds[#kinds + 1] = kind
    from = e + 1
  end
  pieces[#pieces + 1] = string.sub(template, from)
  prefix = (args[2] or "run") .. "-" .. tostring(thread_id or 0) .. "-"
  uuids = args[3] == "uuid"
  callers = tonumber(args[4] or "0") or 0
  if uuids or callers > 0 then
    -- Seeded from the nonce and the thread, so runs and threads draw different ids.
    local seed = (thread_id or 0) * 7919
    for i = 1, #prefix do seed = (seed * 31 + string.byte(prefix, i)) % 2147483647 end
    math.randomseed(seed + os.time())
  end
end

local function uuid()
  return string.format("%08x-%04x-4%03x-%04x-%06x%06x", math.random(0, 0x7fffffff), math.random(0, 0xffff),
    math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
end

local parts = {}
function request()
  counter = counter + 1
  local id = prefix .. counter
  local n = #pieces
  for i = 1, n - 1 do
    parts[2 * i - 1] = pieces[i]
    if kinds[i] == "caller" then
      parts[2 * i] = string.format("%x", math.random(0, math.max(callers, 1) - 1))
    else
      parts[2 * i] = uuids and uuid() or id
    end
  end
  parts[2 * n - 1] = pieces[n]
  return wrk.format(nil, nil, nil, table.concat(parts, "", 1, 2 * n - 1))
end

-- One machine-readable line for run.ts, after wrk's own report.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latencyUs":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
