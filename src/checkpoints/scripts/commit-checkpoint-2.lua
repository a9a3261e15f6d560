--[[
Moves the checkpoint of one shard forward, fenced by the shard's lease: the write happens only if the lease
is still held by the writer under the same fencing counter, in the same atomic step. Sequence numbers are
decimal strings compared as big integers (leading zeros ignored, then longer is larger, then by characters):
the checkpoint never moves backwards. Optionally marks the shard processed to its end (never unset). The shard's
open tumbling window is written in the same step, after the same checks, so it never belongs to another position.

KEYS[1]  lease hash        (owner, counter, ...)
KEYS[2]  checkpoint hash   (seq, ended, pinnedStartMs, window)
ARGV[1]  worker id holding the lease
ARGV[2]  fencing counter it was taken with
ARGV[3]  sequence number to store, or '' for none
ARGV[4]  '1' to mark the shard ended, else '0'
ARGV[5]  optional: the open tumbling window to store (JSON), '-' to remove it; absent or '' leaves it

Returns  {1, ''}        written
         {0, ''}        nothing to change (not ahead; end already marked)
         {-1, ''}       refused: the lease is no longer held by this owner and counter
         {-2, stored}   refused: the sequence number is below the stored one
]]
local function normalize(value)
  local digits = string.gsub(value, '^0+', '')
  if digits == '' then
    return '0'
  end
  return digits
end

local function compare(a, b)
  a = normalize(a)
  b = normalize(b)
  if #a ~= #b then
    if #a < #b then return -1 end
    return 1
  end
  if a == b then return 0 end
  if a < b then return -1 end
  return 1
end

local owner = redis.call('HGET', KEYS[1], 'owner')
local counter = redis.call('HGET', KEYS[1], 'counter')
if owner ~= ARGV[1] or counter ~= ARGV[2] then
  return {-1, ''}
end

local changed = 0
if ARGV[3] ~= '' then
  local stored = redis.call('HGET', KEYS[2], 'seq')
  if stored then
    local order = compare(ARGV[3], stored)
    if order < 0 then
      return {-2, stored}
    end
    if order > 0 then
      redis.call('HSET', KEYS[2], 'seq', ARGV[3])
      changed = 1
    end
  else
    redis.call('HSET', KEYS[2], 'seq', ARGV[3])
    changed = 1
  end
end

local window = ARGV[5] or ''
if window == '-' then
  changed = math.max(changed, redis.call('HDEL', KEYS[2], 'window'))
elseif window ~= '' then
  redis.call('HSET', KEYS[2], 'window', window)
  changed = 1
end

if ARGV[4] == '1' and redis.call('HGET', KEYS[2], 'ended') ~= '1' then
  redis.call('HSET', KEYS[2], 'ended', '1')
  changed = 1
end
return {changed, ''}
