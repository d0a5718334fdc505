-- Index effects of one batch of one log partition, all or nothing, guarded by the partition's watermark.
-- Work is grouped by key, so a batch costs one command per key touched rather than one per counter.
-- Every key is in KEYS and shares the partition's hash tag: valid on Redis Cluster. The key count varies
-- (the buckets a batch touches): 2 fixed, as the name says, then the groups' keys; the caller passes the count first.
--
-- KEYS[1] watermark
-- KEYS[2] counters
-- KEYS[3..] group keys: the hashes and sorted sets the groups name, by their position in KEYS
--
-- ARGV[1] expected
-- ARGV[2] next
-- ARGV[3] plays
-- ARGV[4] mobile plays
-- ARGV[5] increment groups
-- ARGV[6] add groups
-- ARGV[7] data
-- ARGV[8] data values
--
-- The data holds the increment groups, then the add groups:
--   increment group: position of a hash in KEYS, n, then n pairs of field, by       (n <= 1000)
--   add group:       position of a sorted set in KEYS, n, then n pairs of score, member (n <= 1000)
-- Returns {'ok', next} or, writing nothing, {'conflict', actual}.
--- @include "batchValues"
local A, refusal = batchValues(7)
if not A then return refusal end
local i = 1
for _ = 1, tonumber(ARGV[5]) do
  local key, n = KEYS[tonumber(A[i])], tonumber(A[i+1])
  local fields = {}
  for j = 1, n do fields[j] = A[i + 2 * j] end
  local current = redis.call('HMGET', key, unpack(fields))
  local updates = {}
  for j = 1, n do
    updates[2 * j - 1] = fields[j]
    updates[2 * j] = (tonumber(current[j]) or 0) + tonumber(A[i + 2 * j + 1])
  end
  redis.call('HSET', key, unpack(updates))
  i = i + 2 + 2 * n
end
for _ = 1, tonumber(ARGV[6]) do
  local key, n = KEYS[tonumber(A[i])], tonumber(A[i+1])
  redis.call('ZADD', key, unpack(A, i + 2, i + 1 + 2 * n))
  i = i + 2 + 2 * n
end
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[2], 'plays', ARGV[3]) end
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[2], 'mobile_plays', ARGV[4]) end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok', ARGV[2]}
