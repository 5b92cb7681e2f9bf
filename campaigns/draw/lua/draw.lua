-- One play, decided and recorded atomically. See campaigns/draw/engine.py for the contract.
-- KEYS: 1 meta, 2 awarded, 3 free, 4 player, 5 idempotency, 6 seq, 7 pool, 8 the shard's play
--       stream, 9 allot, 10 slots, 11 dry (the three used by sharded campaigns only), 12 the
--       player's rate-limit counter. Every key is declared, as Redis asks of scripts, though
--       naming them here from one tag would save redis-py ~13 µs of packing per call: a cluster
--       proxy or a later Redis may enforce it.
-- ARGV: 1 now_ms, 2 day (YYYY-MM-DD in the campaign's zone), 3 player id, 4 idempotency key,
--       5 idempotency ttl (s), 6 player counters ttl (s), 7 eligible ("1", or "0": the play
--       counts but cannot win, e.g. a failed quiz attempt; the log says so), 8 the redemption
--       code a win gets (drawn by the caller with `secrets`), 9 the player's pseudonym for the
--       public log, 10 the player's requests allowed per window (0: no limit), 11 the window
--       (ms), 12 plays this shard may hold not yet written to SQL (0: no bound), 13 the call's
--       round ("1" for the first call of a play: only that one counts against the rate limit)
-- Returns {"replay", decision} | {"refused", code[, retry ms]} | {"reconcile"} | {"load_player"}
--       | {"need_pool", seq} | {"need_stock", prize id} | {"ok", decision}
-- Every decision is appended to the shard's stream (XADD, field "d") in this same call: the
-- script's effects reach the append-only file together, so a play is never answered without
-- its record. The ledger writer (campaigns/ledger/writer.py) copies the stream into SQL.
-- A shard of a sharded campaign ("step" > 1 in meta) hands out sequence numbers shard+1,
-- shard+1+step, ... and only the stock slots it holds ("allot", "slots"); when its share of the
-- picked prize is used up it asks for more ("need_stock") unless no other shard had any ("dry").
-- Numbers that may exceed 14 digits (u, at) travel as strings: cjson rounds larger numbers.
local K_META, K_AWARDED, K_FREE, K_PLAYER = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local K_IDEM, K_SEQ, K_POOL, K_STREAM = KEYS[5], KEYS[6], KEYS[7], KEYS[8]

-- The per-player request limit: a fixed window started by the window's first request.
local rate = tonumber(ARGV[10])
if rate > 0 and ARGV[13] == '1' then
  local count = redis.call('INCR', KEYS[12])
  if count == 1 then redis.call('PEXPIRE', KEYS[12], ARGV[11]) end
  if count > rate then
    local left = redis.call('PTTL', KEYS[12])
    if left < 0 then redis.call('PEXPIRE', KEYS[12], ARGV[11]); left = tonumber(ARGV[11]) end
    return {'refused', 'rate_limited', left}
  end
end
local m = redis.call('HMGET', K_META, 'ready', 'status', 'starts', 'ends', 'ppd', 'ppt',
  'wpt', 'prizes', 'epoch', 'lazy', 'step', 'shard')
if m[1] ~= '1' then return {'reconcile'} end

-- A key remembered from before a rebuild of the state (other epoch) may name a sequence number
-- that was never written and has been reused since: forget it; SQL still knows real replays.
local stored = redis.call('GET', K_IDEM)
if stored then
  if cjson.decode(stored).epoch == m[9] then return {'replay', stored} end
  redis.call('DEL', K_IDEM)
end
local status = m[2]
if status == 'ended' then return {'refused', 'ended'} end
if status ~= 'live' then return {'refused', 'not_live'} end
local now = tonumber(ARGV[1])
local starts = tonumber(m[3])
local ends = tonumber(m[4])
if now < starts then return {'refused', 'not_started'} end
if now >= ends then return {'refused', 'ended'} end
-- The backlog bound: past it SQL is far behind (down?), and memory must not grow without end.
local backlog = tonumber(ARGV[12])
if backlog > 0 and redis.call('XLEN', K_STREAM) >= backlog then
  return {'refused', 'unavailable'}
end

-- The player's counters: t/w/d are monotonic numbers handed out, v/wv/dv count voided ones.
local day = ARGV[2]
local p = redis.call('HMGET', K_PLAYER, 'e', 't', 'v', 'w', 'wv', 'd:' .. day, 'dv:' .. day)
if p[1] ~= m[9] then
  -- No counters of this epoch: a new player, or (after a rebuild) one whose counts are in SQL.
  if m[10] == '1' then return {'load_player'} end
  redis.call('DEL', K_PLAYER)
  p = {m[9], false, false, false, false, false, false}
end
table.remove(p, 1)
local t = tonumber(p[1] or '0')
local w = tonumber(p[3] or '0')
local d = tonumber(p[5] or '0')
local plays_total = t - tonumber(p[2] or '0')
local wins_total = w - tonumber(p[4] or '0')
local plays_today = d - tonumber(p[6] or '0')
local ppd, ppt, wpt = tonumber(m[5]), tonumber(m[6]), tonumber(m[7])
if ppt > 0 and plays_total >= ppt then return {'refused', 'total_limit'} end
if ppd > 0 and plays_today >= ppd then return {'refused', 'daily_limit'} end

local step = tonumber(m[11] or '1')
local sharded = step > 1
local seq = tostring(tonumber(redis.call('GET', K_SEQ) or '0') + step)
local u_raw = redis.call('HGET', K_POOL, seq)
if not u_raw then return {'need_pool', seq} end
local u = tonumber(u_raw)

-- Stock snapshot before this play, "id:awarded:stock" per prize, for the public play log;
-- awarded = highest slot handed out minus slots given back.
local awarded_raw = redis.call('HGETALL', K_AWARDED)
local free_raw = redis.call('HGETALL', K_FREE)
local top, free = {}, {}
for i = 1, #awarded_raw, 2 do top[awarded_raw[i]] = tonumber(awarded_raw[i + 1]) end
for i = 1, #free_raw, 2 do free[free_raw[i]] = free_raw[i + 1] end
local allot, ranges, dry = {}, {}, {}
if sharded then
  local function read(key, into)
    local raw = redis.call('HGETALL', key)
    for i = 1, #raw, 2 do into[raw[i]] = raw[i + 1] end
  end
  read(KEYS[9], allot)
  read(KEYS[10], ranges)
  read(KEYS[11], dry)
end
-- The campaign's slot number of this shard's local slot n ("base|a-b,c-d", see keys.py).
local function campaign_slot(pid, n)
  if not sharded then return n end
  local base, list = string.match(ranges[pid] or '0|', '^(%d+)|(.*)$')
  local k = n - tonumber(base)
  for a, b in string.gmatch(list, '(%d+)-(%d+)') do
    local size = tonumber(b) - tonumber(a) + 1
    if k <= size then return tonumber(a) + k - 1 end
    k = k - size
  end
  return 0
end
local function free_count(pid)
  local list = free[pid]
  if not list or list == '' then return 0 end
  local n = 0
  for _ in string.gmatch(list, '[^,]+') do n = n + 1 end
  return n
end

-- Prize table: "id:stock:upper:pacing;..." with upper the cumulative threshold on a 2^48 scale.
local snapshot = {}
local pick, pick_stock, pick_pacing = nil, 0, '0'
for pid, stock, upper, pacing in string.gmatch(m[8] or '', '(%d+):(%d+):(%d+):(%d)') do
  if sharded then stock = allot[pid] or '0' end
  local awarded = (top[pid] or 0) - free_count(pid)
  snapshot[#snapshot + 1] = pid .. ':' .. awarded .. ':' .. stock
  if not pick and u < tonumber(upper) then
    pick, pick_stock, pick_pacing = pid, tonumber(stock), pacing
  end
end

local eligible = ARGV[7] ~= '0'
local prize, slot = '', 0
if eligible and pick and not (wpt > 0 and wins_total >= wpt) then
  local awarded = (top[pick] or 0) - free_count(pick)
  local allowed = pick_stock
  if pick_pacing == '1' then
    local span = ends - starts
    local released = math.ceil(pick_stock * (now - starts) / span)
    if released < allowed then allowed = released end
  end
  if awarded < allowed then
    -- Reuse a given-back slot first, else the next one; slots never exceed stock.
    local list = free[pick]
    if list and list ~= '' then
      for s in string.gmatch(list, '[^,]+') do
        local n = tonumber(s)
        if n <= pick_stock then slot = n; break end
      end
    end
    if slot > 0 then
      local rest = {}
      for s in string.gmatch(list, '[^,]+') do
        if tonumber(s) ~= slot then rest[#rest + 1] = s end
      end
      redis.call('HSET', K_FREE, pick, table.concat(rest, ','))
    elseif (top[pick] or 0) < pick_stock then
      slot = redis.call('HINCRBY', K_AWARDED, pick, 1)
    end
    if slot > 0 then prize = pick end
  elseif sharded and awarded >= pick_stock and dry[pick] ~= m[9] then
    return {'need_stock', pick}
  end
end

redis.call('SET', K_SEQ, seq)
redis.call('HDEL', K_POOL, seq)
-- One write of the counters this play moves (the epoch too: a new player has none yet).
local counters = {'e', m[9], 't', t + 1, 'd:' .. day, d + 1}
local win_no = 0
if prize ~= '' then
  win_no = w + 1
  counters[7], counters[8] = 'w', win_no
end
redis.call('HSET', K_PLAYER, unpack(counters))
redis.call('EXPIRE', K_PLAYER, ARGV[6])

-- Plays left today after this one (-1: no limit), bounded by the total limit too.
local left_today = -1
if ppd > 0 then left_today = ppd - plays_today - 1 end
if ppt > 0 then
  local total_left = ppt - plays_total - 1
  if left_today < 0 or total_left < left_today then left_today = total_left end
end
-- The decision as JSON, written out rather than cjson.encode'd: most values are digit strings
-- already (ARGV, meta, the pool) and stay so; cjson would turn each into a number and format it
-- back, which is most of what encoding costs. Only the client's idempotency key needs escaping.
local decision = table.concat({
  '{"seq":', seq, ',"player":', ARGV[3], ',"at":"', ARGV[1], '","day":"', day,
  '","key":', cjson.encode(ARGV[4]), ',"t":', t + 1, ',"d":', d + 1, ',"w":', win_no,
  ',"prize":', prize == '' and '0' or prize, ',"slot":', campaign_slot(prize, slot),
  ',"u":"', u_raw, '","stock":"', table.concat(snapshot, ','), '","epoch":"', m[9],
  '","left":', left_today, ',"eligible":', eligible and '1' or '0',
  ',"shard":', m[12] or '0', ',"shards":', m[11] or '1', ',"local_slot":', slot,
  ',"code":"', prize == '' and '' or ARGV[8], '","pn":"', ARGV[9], '"}'
})
redis.call('SET', K_IDEM, decision, 'EX', ARGV[5])
redis.call('XADD', K_STREAM, '*', 'd', decision)
return {'ok', decision}
