-- wrk script of the sensor bench (bench/sensor/run.ts writes the body file and runs wrk).
--   wrk ... -s bench/sensor/post.lua <url> -- <body file>
-- POSTs the same ~1 KB JSON body on every request, and prints one machine-readable line at the end.

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

function init(args)
  if args[1] and args[1] ~= "" then
    local f = assert(io.open(args[1], "rb"), "cannot open the body file " .. tostring(args[1]))
    wrk.body = f:read("*a")
    f:close()
  else
    wrk.method = "GET"
    wrk.headers["Content-Type"] = nil
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"latencyUs":{"p50":%d,"p99":%d}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
