--[[
Replaces an event source mapping record if it is still at the revision the caller read.

KEYS[1..5]  as create-mapping-5.lua (records, states, revisions, pairs, change counter)
ARGV[1]  uuid
ARGV[2]  expected revision
ARGV[3]  pair key the record had
ARGV[4]  pair key it gets (differs when FunctionName changes)
ARGV[5]  JSON body
ARGV[6]  state

Returns  {revision, ''}   replaced; the new revision
         {0, ''}          no such record
         {-1, ''}         refused: the record is at another revision
         {-2, uuid}       refused: another mapping holds the new function/source pair
]]
local current = redis.call('HGET', KEYS[3], ARGV[1])
if not current then
  return {0, ''}
end
if current ~= ARGV[2] then
  return {-1, ''}
end
if ARGV[3] ~= ARGV[4] then
  local holder = redis.call('HGET', KEYS[4], ARGV[4])
  if holder and holder ~= ARGV[1] then
    return {-2, holder}
  end
  redis.call('HDEL', KEYS[4], ARGV[3])
  redis.call('HSET', KEYS[4], ARGV[4], ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[6])
local revision = redis.call('HINCRBY', KEYS[3], ARGV[1], 1)
redis.call('INCR', KEYS[5])
return {revision, ''}
