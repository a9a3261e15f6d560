--[[
Announces a worker alive and counts the live workers of a mapping (those whose heartbeat has not expired on
the Redis server clock). Expired entries are removed.

KEYS[1]  workers sorted set   (member: worker id, score: heartbeat expiry epoch ms)
ARGV[1]  worker id
ARGV[2]  heartbeat lifetime, ms

Returns  number of live workers, this one included
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('PEXPIRE', KEYS[1], ttl * 10)
return redis.call('ZCARD', KEYS[1])
