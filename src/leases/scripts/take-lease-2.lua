--[[
Takes the lease of one shard for a worker when nobody else holds it: missing, released (owner ''), expired,
or already the worker's own; and not claimed by another worker while the claim lasts. The fencing counter
grows by one on every take. Expiry is judged on the Redis server clock.

KEYS[1]  lease hash        (owner, counter, expiresAt, claimant, claimExpiresAt)
KEYS[2]  lease index set   (shard ids that have a lease hash)
ARGV[1]  shard id
ARGV[2]  worker id taking the lease
ARGV[3]  lease duration, ms

Returns  {counter, expiresAt}  the lease was taken
         -1                    another worker holds it
         -2                    another worker claimed it
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local owner = redis.call('HGET', KEYS[1], 'owner')
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt') or '0')
if owner and owner ~= '' and owner ~= ARGV[2] and expiresAt > now then
  return -1
end

local claimant = redis.call('HGET', KEYS[1], 'claimant')
local claimExpiresAt = tonumber(redis.call('HGET', KEYS[1], 'claimExpiresAt') or '0')
if claimant and claimant ~= '' and claimant ~= ARGV[2] and claimExpiresAt > now then
  return -2
end

local counter = redis.call('HINCRBY', KEYS[1], 'counter', 1)
local newExpiresAt = now + tonumber(ARGV[3])
redis.call('HSET', KEYS[1], 'owner', ARGV[2], 'expiresAt', newExpiresAt, 'claimant', '', 'claimExpiresAt', 0)
redis.call('SADD', KEYS[2], ARGV[1])
return {counter, newExpiresAt}
