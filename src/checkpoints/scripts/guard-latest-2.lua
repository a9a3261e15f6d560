--[[
Decides whether a shard without checkpoint may still start at LATEST. A mapping's pollers mark it started when
they start; if that mark is gone while the mapping runs, Redis lost the mapping's positions (restarted empty,
flushed, failed over to a stale replica): starting at LATEST then would skip every record the lost checkpoints
had not reached, so the mapping replays from TRIM_HORIZON instead — for good, as every position is suspect.

KEYS[1]  started marker    set by the mapping's pollers at start
KEYS[2]  positions lost    epoch ms when the loss was noticed; once set, LATEST is never used again
ARGV[1]  now, epoch ms

Returns  1   LATEST allowed
         0   positions were lost earlier: replay
        -1   positions lost, noticed now (KEYS[2] set, KEYS[1] set again)
]]
if redis.call('EXISTS', KEYS[2]) == 1 then
  return 0
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 1
end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], ARGV[1])
return -1
