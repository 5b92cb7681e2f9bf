-- A shard gives away half of the unused stock it holds of one prize, from the top of its slots,
-- to a shard that ran dry (see campaigns/draw/stock.py). The transfer waits in this shard's outbox
-- until the receiving shard has it, so a process dying in between strands nothing.
-- KEYS: 1 meta, 2 awarded, 3 allot, 4 slots, 5 outbox
-- ARGV: 1 prize id, 2 epoch, 3 transfer id, 4 receiving shard, 5 now (ms)
-- Returns the campaign slot ranges given ("a-b,c-d"), or "" when there is nothing to give.
local m = redis.call('HMGET', KEYS[1], 'ready', 'epoch')
if m[1] ~= '1' or m[2] ~= ARGV[2] then return '' end
local pid = ARGV[1]
local held = tonumber(redis.call('HGET', KEYS[3], pid) or '0')
local used = tonumber(redis.call('HGET', KEYS[2], pid) or '0')
local spare = held - used
if spare <= 0 then return '' end
local give = math.ceil(spare / 2)

local base, list = string.match(redis.call('HGET', KEYS[4], pid) or '0|', '^(%d+)|(.*)$')
local ranges = {}
for a, b in string.gmatch(list, '(%d+)-(%d+)') do ranges[#ranges + 1] = {tonumber(a), tonumber(b)} end
local given, left = {}, give
while left > 0 do
  local last = ranges[#ranges]
  local size = last[2] - last[1] + 1
  if size <= left then
    table.insert(given, 1, last[1] .. '-' .. last[2])
    ranges[#ranges] = nil
    left = left - size
  else
    table.insert(given, 1, (last[2] - left + 1) .. '-' .. last[2])
    last[2] = last[2] - left
    left = 0
  end
end
local kept = {}
for _, r in ipairs(ranges) do kept[#kept + 1] = r[1] .. '-' .. r[2] end
redis.call('HSET', KEYS[4], pid, base .. '|' .. table.concat(kept, ','))
redis.call('HSET', KEYS[3], pid, held - give)
local ranges_given = table.concat(given, ',')
redis.call('HSET', KEYS[5], ARGV[3], cjson.encode({
  prize = pid, ranges = ranges_given, count = give, epoch = ARGV[2], to = tonumber(ARGV[4]),
  at = ARGV[5]
}))
return ranges_given
