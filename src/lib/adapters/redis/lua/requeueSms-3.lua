-- Requeueing SMS of one partition from the dead-letter list: each message goes back on the stream as a new
-- entry with the same fields (the same id, so still one message per customer a day), and its id now names that
-- entry. A message not on the list is left alone, so two requeues at once add it once.
-- All three keys are the partition's (one hash tag). The layout below is REQUEUE_SMS in scripts.ts (a test compares the two).
-- KEYS[1] sms: the partition's SMS stream
-- KEYS[2] sms entries: hash of SMS id -> its stream entry
-- KEYS[3] sms failed: the dead-letter list (hash of SMS id -> "<failed at>|<reason>")
-- ARGV[1] all: "1" for every message on the list, "0" for the ids in the data
-- ARGV[2] data: packed (scripts.ts packData): the ids
-- ARGV[3] values: how many values the data holds
-- Returns how many messages were requeued.
--- @include "unpackData"
local ids
if ARGV[1] == '1' then
  ids = redis.call('HKEYS', KEYS[3])
else
  ids = unpackData(ARGV[2], tonumber(ARGV[3]))
  if not ids then return redis.error_reply(MALFORMED) end
end
local requeued = 0
for _, id in ipairs(ids) do
  local entry = redis.call('HGET', KEYS[2], id)
  if entry and redis.call('HDEL', KEYS[3], id) == 1 then
    local old = redis.call('XRANGE', KEYS[1], entry, entry)
    if old[1] then
      redis.call('HSET', KEYS[2], id, redis.call('XADD', KEYS[1], '*', unpack(old[1][2])))
      requeued = requeued + 1
    end
  end
end
return requeued
