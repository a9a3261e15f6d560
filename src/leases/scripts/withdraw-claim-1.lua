--[[
Withdraws a worker's claim on a lease (the worker is stopping and will never take the shard): the holder is no
longer asked to hand the shard over, and any worker may take it once it is free.

KEYS[1]  lease hash   (owner, counter, expiresAt, claimant, claimExpiresAt)
ARGV[1]  worker id of the claimant

Returns  1  withdrawn
         0  nothing to withdraw: the lease is claimed by another worker, or not at all
]]
if redis.call('HGET', KEYS[1], 'claimant') ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'claimant', '', 'claimExpiresAt', 0)
return 1
