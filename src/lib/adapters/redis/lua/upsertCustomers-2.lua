-- Customer upserts for `seed`, one call per chunk of at most 1,000 (cheaper for the client than one HSET each,
-- and within Lua's limit of values to unpack). The layout below is UPSERT_CUSTOMERS in scripts.ts (a test
-- compares the two). Two keys always; the chunk's customer hashes follow them.
-- KEYS[1] customers: set of every customer id
-- KEYS[2] eligible customers: set of the ids of active customers below Gold
-- KEYS[3..] customer keys: the chunk's customer hashes, named by index below
-- ARGV[1] customer fields: the fields this chunk writes, comma separated (customerLayout in store.ts)
-- ARGV[2] cleared fields: fields a customer seeded before may hold that this chunk has no value for, comma
--         separated (empty: none); they are removed, so an upsert replaces the whole record
-- ARGV[3] data: per customer, packed (scripts.ts packData): key, id, eligible (0/1), then one value per field
-- ARGV[4] values: how many values the data holds
--- @include "unpackData"
--- @include "hashRecords"
local a = unpackData(ARGV[3], tonumber(ARGV[4]))
if not a then return redis.error_reply(MALFORMED) end
local fields = fieldList(ARGV[1])
local cleared = fieldList(ARGV[2])
local customer = hashFor(fields)
local all, eligible, ineligible = {}, {}, {}
for i = 1, #a, 3 + #fields do
  fillHash(customer, a, i + 2, #fields)
  local key = KEYS[tonumber(a[i])]
  -- HSET answers how many fields were new: all of them means a new customer, with nothing to clear (a first
  -- seed then costs no command more)
  if redis.call('HSET', key, unpack(customer)) < #fields and #cleared > 0 then redis.call('HDEL', key, unpack(cleared)) end
  all[#all + 1] = a[i+1]
  if a[i+2] == '1' then eligible[#eligible + 1] = a[i+1] else ineligible[#ineligible + 1] = a[i+1] end
end
-- One command per set, not one per customer: fewer commands to replicate and append to the AOF.
if #all > 0 then redis.call('SADD', KEYS[1], unpack(all)) end
if #eligible > 0 then redis.call('SADD', KEYS[2], unpack(eligible)) end
if #ineligible > 0 then redis.call('SREM', KEYS[2], unpack(ineligible)) end
return #all
