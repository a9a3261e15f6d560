--[[
Chooses the failed jobs to drop, oldest first, so the failed set keeps at most ARGV[1] jobs and ARGV[2] bytes of
recorded data. While the set is within both caps it reads three counters and nothing else.

KEYS[1]  the queue's failed set (BullMQ's sorted set, scored by the time a job failed)
KEYS[2]  recorded sizes (hash: job id -> bytes), see record-failed-size-4.lua
KEYS[3]  sum of the recorded sizes (integer string)
ARGV[1]  jobs kept at most
ARGV[2]  bytes kept at most
ARGV[3]  prefix of the queue's job keys (`<prefix>:<queue>:`; the job's hash is the prefix and its id)

Returns  the ids to drop, oldest first (empty within both caps).

The sizes are rebuilt from the failed set (every failed job recorded, the others forgotten, the sum set) before
choosing when there is no sum yet (jobs that failed before sizes were recorded are counted once) or when more sizes
are recorded than jobs failed (jobs left the set by other means: retried or removed by hand). Otherwise a failed job
not recorded (its process died between failing it and recording it) counts as 0 bytes.
]]
local maxCount = tonumber(ARGV[1])
local maxBytes = tonumber(ARGV[2])
local CHUNK = 100

local count = redis.call('ZCARD', KEYS[1])
local bytes = tonumber(redis.call('GET', KEYS[3])) or 0

if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('HLEN', KEYS[2]) > count then
  local failed = {}
  bytes = 0
  for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    failed[id] = true
    local size = tonumber(redis.call('HGET', KEYS[2], id))
    if not size then
      size = redis.call('HSTRLEN', ARGV[3] .. id, 'data')
      redis.call('HSET', KEYS[2], id, size)
    end
    bytes = bytes + size
  end
  for _, id in ipairs(redis.call('HKEYS', KEYS[2])) do
    if not failed[id] then
      redis.call('HDEL', KEYS[2], id)
    end
  end
  redis.call('SET', KEYS[3], bytes)
end

local ids = {}
local offset = 0
while count > maxCount or bytes > maxBytes do
  local chunk = redis.call('ZRANGE', KEYS[1], offset, offset + CHUNK - 1)
  if #chunk == 0 then
    break
  end
  for _, id in ipairs(chunk) do
    if count <= maxCount and bytes <= maxBytes then
      break
    end
    ids[#ids + 1] = id
    count = count - 1
    bytes = bytes - (tonumber(redis.call('HGET', KEYS[2], id)) or 0)
  end
  offset = offset + CHUNK
end
return ids
