--[[
Takes one of a limited number of concurrency slots shared by the fleet. Slots are members of a sorted set
scored by their expiry on the Redis clock; an expired slot (its holder died or stopped renewing) is free again.

KEYS[1]  slots sorted set   token -> expiry (epoch ms, Redis clock)
ARGV[1]  token of the new slot (unique per holder and slot)
ARGV[2]  limit: the most slots held at once
ARGV[3]  time to live, ms

Returns  1  taken
         0  every slot is held
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]) * 2)
return 1
