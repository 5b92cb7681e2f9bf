-- wrk script: POST /h5/<id>/play as many different players, one signed session cookie each.
-- BENCH_COOKIES: file with one cookie value per line; BENCH_PATH: the play path.
local cookies = {}
local counter = 0
local path = os.getenv("BENCH_PATH")
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end

local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
  counter = id * 7919
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  return wrk.format("POST", path, {["Cookie"] = "session=" .. cookie, ["Content-Length"] = "0"})
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do merged[code] = (merged[code] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  io.write(string.format(
    'BENCH {"requests": %d, "seconds": %.3f, "p50_ms": %.3f, "p99_ms": %.3f, "errors": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ", ")))
end
