-- A shard takes in stock another shard ceded (cede.lua); a transfer counts once however often it
-- is delivered, and not at all once the campaign's state was rebuilt (other epoch).
-- KEYS: 1 meta, 2 allot, 3 slots, 4 received (set), 5 dry
-- ARGV: 1 prize id, 2 epoch, 3 transfer id, 4 campaign slot ranges "a-b,c-d", 5 how many slots
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[2] then return 0 end
if redis.call('SADD', KEYS[4], ARGV[3]) == 0 then return 0 end
local pid = ARGV[1]
local base, list = string.match(redis.call('HGET', KEYS[3], pid) or '0|', '^(%d+)|(.*)$')
if list ~= '' then list = list .. ',' end
redis.call('HSET', KEYS[3], pid, base .. '|' .. list .. ARGV[4])
redis.call('HINCRBY', KEYS[2], pid, tonumber(ARGV[5]))
redis.call('HDEL', KEYS[5], pid)
return 1
