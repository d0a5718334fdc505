-- An offer shown at an access outside the log (the offer API): the customer's ad decision for the day and its
-- SMS, once; the same records a play that day makes in applyStoreBatch, so either comes first and the other
-- adds nothing. All four keys are the customer's partition's (one hash tag). The layout below is RECORD_OFFER
-- in scripts.ts (a test compares the two).
-- KEYS[1] ads: the customer's ads hash (day -> "<event id>|<at>")
-- KEYS[2] counters: the partition's counters hash
-- KEYS[3] sms: the partition's SMS stream
-- KEYS[4] sms entries: hash of SMS id -> its stream entry
-- ARGV[1] day: YYYY-MM-DD
-- ARGV[2] decision: "<event id>|<at>"
-- ARGV[3] sms id: "<customer id>:<day>"
-- ARGV[4] customer id
-- ARGV[5] text
-- ARGV[6] at: epoch ms
-- Returns 1 when recorded, 0 when the customer had a decision that day.
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[2], 'ad_decisions', 1)
if redis.call('HSETNX', KEYS[4], ARGV[3], '') == 1 then
  local entry = redis.call('XADD', KEYS[3], '*', 'id', ARGV[3], 'customer_id', ARGV[4], 'day', ARGV[1], 'text', ARGV[5], 'at', ARGV[6])
  redis.call('HSET', KEYS[4], ARGV[3], entry)
end
return 1
