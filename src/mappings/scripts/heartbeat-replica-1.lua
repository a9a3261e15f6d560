--[[
Announces a replica as live until a time on the Redis clock, so every replica's view of who is alive agrees.

KEYS[1]  replicas sorted set   worker id -> heartbeat expiry (epoch ms on the Redis clock)
ARGV[1]  worker id
ARGV[2]  time to live, ms

Returns  the expiry written (epoch ms)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expiry = now + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], expiry, ARGV[1])
return expiry
