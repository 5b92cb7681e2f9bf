-- wrk script: POST /h5/<id>/play as many different players, one signed session cookie each.
-- BENCH_COOKIES: file with one cookie value per line; BENCH_PATH: the play path.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local cookies = {}
local counter = 0
-- Each play carries its own Idempotency-Key, as the game page's script sends one
-- (static/h5/common.js), so the draw script stores each for replays as it does for players:
-- the run's start, the thread and the request's number make it unique.
local run = tostring(os.time())
local path = os.getenv("BENCH_PATH")
for line in io.lines(os.getenv("BENCH_COOKIES")) do cookies[#cookies + 1] = line end

function init(args)
  statuses = {}
  counter = id * 7919
end

function request()
  counter = counter + 1
  local cookie = cookies[(counter % #cookies) + 1]
  local key = run .. "-" .. id .. "-" .. counter
  return wrk.format("POST", path, {
    ["Cookie"] = "session=" .. cookie, ["Content-Length"] = "0", ["Idempotency-Key"] = key,
  })
end
