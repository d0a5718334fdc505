--- @include unpackData
-- batchValues(at) -> the batch's values (packed in ARGV[at], counted in ARGV[at + 1]), or nil and the reply
-- to return: {'conflict', actual} when the watermark (KEYS[1]) is not the expected ARGV[1], before anything is read.
local function batchValues(at)
  local actual = tonumber(redis.call('GET', KEYS[1]) or '-1')
  if actual ~= tonumber(ARGV[1]) then return nil, {'conflict', tostring(actual)} end
  local values = unpackData(ARGV[at], tonumber(ARGV[at + 1]))
  if not values then return nil, redis.error_reply(MALFORMED) end
  return values
end
