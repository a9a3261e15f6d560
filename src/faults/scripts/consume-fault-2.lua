--[[
Counts one invocation against faults set with a `count`: the faults apply to that many invocations of the whole
fleet, then clear themselves.

KEYS[1]  faults of the function (string, JSON)
KEYS[2]  invocations the faults still cover (integer string)

Returns  n >= 0  the faults apply to this invocation; n more are covered after it
         -1      the count is used up (both keys are removed) or the faults were cleared
]]
if redis.call('EXISTS', KEYS[1]) == 0 then
  return -1
end
local left = redis.call('DECR', KEYS[2])
if left < 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return -1
end
if left == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
return left
