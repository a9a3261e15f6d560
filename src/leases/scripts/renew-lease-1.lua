--[[
Renews a held lease: pushes its expiry back, provided it is still held by the same worker under the same
fencing counter. Tells the holder when another worker claimed the shard (balancing hand-over).

KEYS[1]  lease hash   (owner, counter, expiresAt, claimant, claimExpiresAt)
ARGV[1]  worker id holding the lease
ARGV[2]  fencing counter it was taken with
ARGV[3]  lease duration, ms

Returns  1   renewed
         2   renewed; a claim by another worker is pending: hand the shard over
         -1  lost: taken by another worker, or deleted
]]
local owner = redis.call('HGET', KEYS[1], 'owner')
local counter = redis.call('HGET', KEYS[1], 'counter')
if owner ~= ARGV[1] or counter ~= ARGV[2] then
  return -1
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('HSET', KEYS[1], 'expiresAt', now + tonumber(ARGV[3]))

local claimant = redis.call('HGET', KEYS[1], 'claimant')
local claimExpiresAt = tonumber(redis.call('HGET', KEYS[1], 'claimExpiresAt') or '0')
if claimant and claimant ~= '' and claimant ~= ARGV[1] and claimExpiresAt > now then
  return 2
end
return 1
