--[[
Records the size of a job that has just entered the failed set, so the set's bytes are known without reading
every job. Idempotent: a job already recorded, or no longer in the failed set, is left alone. Without a sum yet
(a set from before sizes were recorded, or lost) the size is recorded but not summed: select-failed-overflow-3.lua
then sums the whole set once.

KEYS[1]  the queue's failed set (BullMQ's sorted set)
KEYS[2]  recorded sizes (hash: job id -> bytes of the job's data)
KEYS[3]  sum of the recorded sizes (integer string)
KEYS[4]  the job (BullMQ's hash; its `data` field is the serialized data)
ARGV[1]  the job id

Returns  n > 0  the job's size, now recorded
         0      already recorded, or not in the failed set
]]
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return 0
end
local size = redis.call('HSTRLEN', KEYS[4], 'data')
if redis.call('HSETNX', KEYS[2], ARGV[1], size) == 0 then
  return 0
end
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('INCRBY', KEYS[3], size)
end
return size
