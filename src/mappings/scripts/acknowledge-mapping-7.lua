--[[
Records that one replica applied a revision of a mapping, and ends the mapping's transitional state once every
live replica has applied the current revision: the state becomes the settled one, or, for Deleting, the record
is removed.

KEYS[1..5]  as create-mapping-5.lua (records, states, revisions, pairs, change counter)
KEYS[6]  replicas sorted set   worker id -> heartbeat expiry (epoch ms on the Redis clock)
KEYS[7]  acks hash of this mapping   worker id -> revision applied
ARGV[1]  uuid
ARGV[2]  revision applied
ARGV[3]  worker id
ARGV[4]  state the transition settles in (Enabled or Disabled; ignored for Deleting)
ARGV[5]  pair key of the record

Returns  'missing'   no such record
         'pending'   other live replicas have not applied the current revision yet
         'settled'   the state is not (or no longer) transitional
         'deleted'   the Deleting transition ended: the record is gone
]]
local current = redis.call('HGET', KEYS[3], ARGV[1])
if not current then
  return 'missing'
end
redis.call('HSET', KEYS[7], ARGV[3], ARGV[2])
local state = redis.call('HGET', KEYS[2], ARGV[1])
local transitional = {Creating = true, Enabling = true, Disabling = true, Updating = true, Deleting = true}
if not transitional[state] then
  return 'settled'
end
if current ~= ARGV[2] then
  return 'pending'
end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[6], '-inf', now)
for _, worker in ipairs(redis.call('ZRANGE', KEYS[6], 0, -1)) do
  if redis.call('HGET', KEYS[7], worker) ~= current then
    return 'pending'
  end
end
if state == 'Deleting' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  if redis.call('HGET', KEYS[4], ARGV[5]) == ARGV[1] then
    redis.call('HDEL', KEYS[4], ARGV[5])
  end
  redis.call('DEL', KEYS[7])
  redis.call('INCR', KEYS[5])
  return 'deleted'
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('INCR', KEYS[5])
return 'settled'
