--[[
Extends the slots one holder still has; a slot that expired meanwhile (and may have been taken by another
holder) is not brought back.

KEYS[1]  slots sorted set   token -> expiry (epoch ms, Redis clock)
ARGV[1]  time to live, ms
ARGV[2..] tokens to extend

Returns  the tokens extended (the others have expired: they are no longer held)
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local renewed = {}
for i = 2, #ARGV do
  local expiry = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if expiry and tonumber(expiry) > now then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    renewed[#renewed + 1] = ARGV[i]
  end
end
if #renewed > 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) * 2)
end
return renewed
