-- Install one player's counters rebuilt from SQL, unless another request already did for this
-- epoch. KEYS: 1 player hash. ARGV: 1 epoch, 2 ttl, then field/value pairs.
if redis.call('HGET', KEYS[1], 'e') == ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'e', ARGV[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
