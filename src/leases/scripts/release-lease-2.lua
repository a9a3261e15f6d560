--[[
Releases a held lease so that any worker may take it at once; a pending claim is kept, so the claimant
gets the shard. With "forget" the lease is deleted (its shard was processed to the end).

KEYS[1]  lease hash        (owner, counter, expiresAt, claimant, claimExpiresAt)
KEYS[2]  lease index set
ARGV[1]  worker id holding the lease
ARGV[2]  fencing counter it was taken with
ARGV[3]  shard id
ARGV[4]  '1' to delete the lease, '0' to keep it free

Returns  1  released
         0  not held under this owner and counter (nothing changed)
]]
local owner = redis.call('HGET', KEYS[1], 'owner')
local counter = redis.call('HGET', KEYS[1], 'counter')
if owner ~= ARGV[1] or counter ~= ARGV[2] then
  return 0
end

if ARGV[4] == '1' then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[3])
  return 1
end
redis.call('HSET', KEYS[1], 'owner', '', 'expiresAt', 0)
return 1
