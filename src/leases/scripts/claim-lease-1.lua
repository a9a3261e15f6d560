--[[
Asks the holder of a lease to hand the shard over (balancing between workers). Only the claim is recorded;
the holder sees it when renewing, finishes its batch in flight, checkpoints and releases the lease, which the
claimant then takes.

KEYS[1]  lease hash   (owner, counter, expiresAt, claimant, claimExpiresAt)
ARGV[1]  owner observed
ARGV[2]  fencing counter observed
ARGV[3]  worker id of the claimant
ARGV[4]  how long the claim lasts, ms

Returns  1  claimed
         0  refused: the lease changed since it was observed, or another claim is pending
]]
local owner = redis.call('HGET', KEYS[1], 'owner')
local counter = redis.call('HGET', KEYS[1], 'counter')
if owner ~= ARGV[1] or counter ~= ARGV[2] then
  return 0
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local claimant = redis.call('HGET', KEYS[1], 'claimant')
local claimExpiresAt = tonumber(redis.call('HGET', KEYS[1], 'claimExpiresAt') or '0')
if claimant and claimant ~= '' and claimant ~= ARGV[3] and claimExpiresAt > now then
  return 0
end

redis.call('HSET', KEYS[1], 'claimant', ARGV[3], 'claimExpiresAt', now + tonumber(ARGV[4]))
return 1
