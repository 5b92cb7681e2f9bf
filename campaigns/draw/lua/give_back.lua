-- Withdraw a decided play whose ledger write failed: the prize slot and the player's counts are
-- returned, the idempotency key forgotten, and the sequence number kept as a "void" entry so the
-- play log has no gap. A decision from before a reconciliation (other epoch) is left alone: the
-- state it counted in is gone and was rebuilt from SQL.
-- KEYS: 1 meta, 2 awarded, 3 free, 4 player, 5 idempotency, 6 in flight (zset)
-- ARGV: 1 decision (JSON)
local dec = cjson.decode(ARGV[1])
if redis.call('HGET', KEYS[1], 'epoch') ~= dec.epoch then return 0 end
local at = redis.call('ZSCORE', KEYS[6], ARGV[1])
if not at then return 0 end
redis.call('HINCRBY', KEYS[4], 'v', 1)
redis.call('HINCRBY', KEYS[4], 'dv:' .. dec.day, 1)
if dec.prize ~= 0 then
  redis.call('HINCRBY', KEYS[4], 'wv', 1)
  local pid = tostring(dec.prize)
  local slot = dec.local_slot or dec.slot  -- a shard's own number of the slot (see keys.py)
  local list = redis.call('HGET', KEYS[3], pid)
  if list and list ~= '' then list = list .. ',' .. slot else list = tostring(slot) end
  redis.call('HSET', KEYS[3], pid, list)
end
redis.call('DEL', KEYS[5])
dec.void = 1
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('ZADD', KEYS[6], at, cjson.encode(dec))
return 1
