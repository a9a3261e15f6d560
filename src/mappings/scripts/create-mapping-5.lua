--[[
Stores a new event source mapping record unless its UUID or its function/source pair is taken.

KEYS[1]  records hash    uuid -> JSON body (configuration, tags, reason, lastModifiedMs)
KEYS[2]  states hash     uuid -> State
KEYS[3]  revisions hash  uuid -> revision
KEYS[4]  pairs hash      "<FunctionName>\n<EventSourceArn>" -> uuid
KEYS[5]  change counter  (INCR on every write)
ARGV[1]  uuid
ARGV[2]  pair key
ARGV[3]  JSON body
ARGV[4]  state

Returns  {1, ''}          created with revision 1
         {-1, uuid}       refused: the UUID or the pair exists (uuid of the existing record)
]]
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return {-1, ARGV[1]}
end
local existing = redis.call('HGET', KEYS[4], ARGV[2])
if existing then
  return {-1, existing}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[3], ARGV[1], 1)
redis.call('HSET', KEYS[4], ARGV[2], ARGV[1])
redis.call('INCR', KEYS[5])
return {1, ''}
