--[[
Claims the removal of one failed job for this caller and forgets its recorded size. Of replicas trimming the same
set at once, one claims each job: only it removes and reports the job. A claim outlives its caller by ARGV[2] ms at
most, so a job whose claimer died before removing it is chosen again later.

KEYS[1]  recorded sizes (hash: job id -> bytes), see record-failed-size-4.lua
KEYS[2]  sum of the recorded sizes (integer string)
KEYS[3]  the claim on this job's removal (string, expires)
ARGV[1]  the job id
ARGV[2]  how long the claim lasts, ms

Returns  1   claimed: the caller removes the job (its size, if recorded, is no longer counted)
         0   claimed by another caller already
]]
if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[2]) then
  return 0
end
local size = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
if size then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('DECRBY', KEYS[2], size)
end
return 1
