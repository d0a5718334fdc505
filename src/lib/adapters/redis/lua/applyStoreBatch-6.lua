-- A store batch: the pipeline's writes (ports.ts StoreWrite), applied as they are, or nothing when the
-- partition's watermark is not the one they were computed from. The layout below is APPLY_STORE_BATCH in
-- scripts.ts (a test compares the two). Six keys always; the batch's per-customer keys follow them.
-- KEYS[1] watermark: the partition's store watermark
-- KEYS[2] counters: hash of running totals (and ad_decisions, counted here as they are added)
-- KEYS[3] profiles: sorted set of customer ids with a profile
-- KEYS[4] interests by time: sorted set of "<customer>:<track>" by detection time
-- KEYS[5] sms: stream of queued messages
-- KEYS[6] sms entries: hash of SMS id -> stream entry (each message queued once, ever)
-- KEYS[7..] customer keys: profile, listens, interests and ads keys of the batch's customers, named by index below
-- ARGV[1] expected: the watermark the batch was computed from (-1: none)
-- ARGV[2] next: the watermark after it
-- ARGV[3] profile fields: the profile hash's fields, comma separated (PROFILE_LAYOUT in store.ts, then recent)
-- ARGV[4] profiles: how many "set profile" records
-- ARGV[5] recent lists: how many "capped list" records
-- ARGV[6] pair groups: how many "set pairs" groups
-- ARGV[7] interests: how many "add interest" records
-- ARGV[8] ad decisions: how many "add ad decision" records
-- ARGV[9] sms: how many "enqueue sms once" records
-- ARGV[10] counters: how many "increment" records
-- ARGV[11] data: the records, packed (scripts.ts packData), in the sections below and in this order
-- ARGV[12] values: how many values the data holds
-- Sections (a "key" is an index into KEYS):
--   set profile:       key, customer id, n, then the values of the first n fields (all of them, recent too, when
--                      the batch caps the customer's plays as well)
--   capped list:       profile key, the recent plays (encoded, already capped) of a customer with no profile above
--   set pairs (group): listens key, n, then n pairs of track id, encoded pair (one customer's; n <= 1000)
--   add interest:      interests key, track id, "<customer>:<track>", detected at
--   add ad decision:   ads key, day, "<event id>|<at>"
--   enqueue sms once:  sms id, customer id, day, text, at
--   increment:         counters field, by
--- @include "batchValues"
--- @include "hashRecords"
local A, refusal = batchValues(11)
if not A then return refusal end
local profile = hashFor(fieldList(ARGV[3]))
local i = 1
for _ = 1, tonumber(ARGV[4]) do
  local n = tonumber(A[i+2])
  fillHash(profile, A, i + 2, n)
  redis.call('HSET', KEYS[tonumber(A[i])], unpack(profile, 1, 2 * n))
  redis.call('ZADD', KEYS[3], A[i+1], A[i+1])
  i = i + 3 + n
end
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[tonumber(A[i])], 'recent', A[i+1])
  i = i + 2
end
for _ = 1, tonumber(ARGV[6]) do
  local n = tonumber(A[i+1])
  redis.call('HSET', KEYS[tonumber(A[i])], unpack(A, i + 2, i + 1 + 2 * n))
  i = i + 2 + 2 * n
end
for _ = 1, tonumber(ARGV[7]) do
  if redis.call('SADD', KEYS[tonumber(A[i])], A[i+1]) == 1 then redis.call('ZADD', KEYS[4], A[i+3], A[i+2]) end
  i = i + 4
end
local newAds = 0
for _ = 1, tonumber(ARGV[8]) do
  newAds = newAds + redis.call('HSETNX', KEYS[tonumber(A[i])], A[i+1], A[i+2])
  i = i + 3
end
if newAds > 0 then redis.call('HINCRBY', KEYS[2], 'ad_decisions', newAds) end
for _ = 1, tonumber(ARGV[9]) do
  if redis.call('HSETNX', KEYS[6], A[i], '') == 1 then
    local entry = redis.call('XADD', KEYS[5], '*', 'id', A[i], 'customer_id', A[i+1], 'day', A[i+2], 'text', A[i+3], 'at', A[i+4])
    redis.call('HSET', KEYS[6], A[i], entry)
  end
  i = i + 5
end
for _ = 1, tonumber(ARGV[10]) do
  redis.call('HINCRBY', KEYS[2], A[i], A[i+1])
  i = i + 2
end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok', ARGV[2]}
