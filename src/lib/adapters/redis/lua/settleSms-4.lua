-- Settling claimed SMS of one partition: acknowledged as sent, or moved to the dead-letter list with the reason.
-- Only a message still pending in the senders' group is settled (XACK answers 1 once per stream entry), so a
-- message two senders both finished is counted once, and one already sent never lands on the dead-letter list.
-- All four keys are the partition's (one hash tag). The layout below is SETTLE_SMS in scripts.ts (a test compares the two).
-- KEYS[1] sms: the partition's SMS stream
-- KEYS[2] sms entries: hash of SMS id -> its stream entry
-- KEYS[3] sms failed: hash of SMS id -> "<failed at>|<reason>" (the dead-letter list)
-- KEYS[4] counters: the partition's counters hash (field sms_sent)
-- ARGV[1] group: the senders' consumer group
-- ARGV[2] outcome: "sent" or "failed"
-- ARGV[3] failed at: epoch ms (for "failed")
-- ARGV[4] data: packed (scripts.ts packData): per message, its id then its reason ('' when sent)
-- ARGV[5] values: how many values the data holds
-- Returns how many messages were settled.
--- @include "unpackData"
local a = unpackData(ARGV[4], tonumber(ARGV[5]))
if not a then return redis.error_reply(MALFORMED) end
local settled = 0
for i = 1, #a, 2 do
  local entry = redis.call('HGET', KEYS[2], a[i])
  if entry and redis.call('XACK', KEYS[1], ARGV[1], entry) == 1 then
    settled = settled + 1
    if ARGV[2] == 'failed' then redis.call('HSET', KEYS[3], a[i], ARGV[3] .. '|' .. a[i+1]) end
  end
end
if ARGV[2] == 'sent' and settled > 0 then redis.call('HINCRBY', KEYS[4], 'sms_sent', settled) end
return settled
