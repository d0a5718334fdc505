// The Lua scripts that apply one batch's effects atomically (the index's, and the helpers, in lua/*.lua);
// ioredis loads them with SCRIPT LOAD and falls back to EVAL after a Redis restart.
// Key names are computed by the adapter (keys.ts) and passed in: a script never builds one itself.
// Each script first compares the partition's watermark with the batch's expected value and returns
// {'conflict', actual} without writing anything when they differ; otherwise it writes every effect and
// moves the watermark, all in one step no other client can interleave with.
import { chunked } from '../../chunked.js';
import { luaScript } from './lua.js';

/**
 * A batch's values travel packed in one argument, joined by the byte 0x1E: one big string costs the client
 * and the server far less than a hundred thousand small arguments. The readers replace control characters
 * in text fields, so no value holds the separator; the count guards that (a mismatch rejects the batch).
 */
export const PACK_SEPARATOR = '\x1e';

export function packData(values: Array<string | number>): [string, number] {
  return [values.join(PACK_SEPARATOR), values.length];
}

/** Fields or members per group in a batch script (Lua's unpack takes a few thousand values at most). */
const GROUP_LIMIT = 1_000;

/**
 * Appends one key's pairs as groups of "key, n, then n pairs" (several when there are more than GROUP_LIMIT);
 * returns how many groups, which the script is told.
 */
export function pushGroups(values: Array<string | number>, key: string | number, pairs: Array<[string | number, string | number]>): number {
  const parts = chunked(pairs, GROUP_LIMIT);
  for (const part of parts) {
    values.push(key, part.length);
    for (const [first, second] of part) values.push(first, second);
  }
  return parts.length;
}

/** Lua: unpackData(data, n) -> table of n strings, or nil when the data holds another number of values. */
const UNPACK_DATA = luaScript('includes/unpackData');

/**
 * Lua: batchValues(at) -> the batch's values (packed in ARGV[at], counted in ARGV[at + 1]), or nil and the reply
 * to return: {'conflict', actual} when the watermark (KEYS[1]) is not the expected ARGV[1], before anything is read.
 */
const BATCH_VALUES = luaScript('includes/batchValues');

/**
 * Store effects.
 * KEYS: 1 watermark, 2 counters, 3 profiles (zset), 4 interests by time (zset), 5 sms stream, 6 sms entries (hash)
 * ARGV: 1 expected, 2 next, 3 events processed, 4 dead letters, 5..9 counts of profiles, pair groups, interests,
 * ads and sms, 10 the packed data, 11 how many values it holds. The data holds the sections in that order:
 *   profile:    key, customer id, plays, mobile, morning, afternoon, evening, night, unique tracks, first seen, last seen,
 *               recent plays (encoded)
 *   pair group: listens key, n, then n pairs of track id, encoded pair (one customer's pairs; n <= 1000)
 *   interest: interests key, track id, "<customer>:<track>", detected at
 *   ad:       ads key, day, "<event id>|<at>"
 *   sms:      sms id, customer id, day, text, at
 */
export const APPLY_STORE_EFFECTS = `${BATCH_VALUES}
local A, refusal = batchValues(10)
if not A then return refusal end
local i = 1
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', A[i], 'plays', A[i+2], 'mobile_plays', A[i+3], 'morning', A[i+4], 'afternoon', A[i+5],
    'evening', A[i+6], 'night', A[i+7], 'unique_tracks', A[i+8], 'first_seen', A[i+9], 'last_seen', A[i+10],
    'recent', A[i+11])
  redis.call('ZADD', KEYS[3], A[i+1], A[i+1])
  i = i + 12
end
for _ = 1, tonumber(ARGV[6]) do
  local n = tonumber(A[i+1])
  redis.call('HSET', A[i], unpack(A, i + 2, i + 1 + 2 * n))
  i = i + 2 + 2 * n
end
for _ = 1, tonumber(ARGV[7]) do
  if redis.call('SADD', A[i], A[i+1]) == 1 then redis.call('ZADD', KEYS[4], A[i+3], A[i+2]) end
  i = i + 4
end
local newAds = 0
for _ = 1, tonumber(ARGV[8]) do
  newAds = newAds + redis.call('HSETNX', A[i], A[i+1], A[i+2])
  i = i + 3
end
for _ = 1, tonumber(ARGV[9]) do
  -- One message per id ever: the entries hash remembers which stream entry carries it.
  if redis.call('HSETNX', KEYS[6], A[i], '') == 1 then
    local entry = redis.call('XADD', KEYS[5], '*', 'id', A[i], 'customer_id', A[i+1], 'day', A[i+2], 'text', A[i+3], 'at', A[i+4])
    redis.call('HSET', KEYS[6], A[i], entry)
  end
  i = i + 5
end
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBY', KEYS[2], 'events_processed', ARGV[3]) end
if tonumber(ARGV[4]) > 0 then redis.call('HINCRBY', KEYS[2], 'dead_letters', ARGV[4]) end
if newAds > 0 then redis.call('HINCRBY', KEYS[2], 'ad_decisions', newAds) end
redis.call('SET', KEYS[1], ARGV[2])
return {'ok', ARGV[2]}
`;

/** Index effects: lua/applyIndexEffects.lua, whose header documents KEYS and ARGV. */
export const APPLY_INDEX_EFFECTS = luaScript('applyIndexEffects');
/** The fixed KEYS of applyIndexEffects, in order (the keys its groups name follow them). */
export const INDEX_KEYS = ['watermark', 'counters'] as const;
/** The ARGV of applyIndexEffects, in order, as its header names them. */
export const INDEX_ARGV = ['expected', 'next', 'plays', 'mobile plays', 'increment groups', 'add groups', 'data', 'data values'] as const;

/** applyIndexEffects' arguments after the key count: KEYS (fixed ones first), then ARGV in the documented order. */
export function indexScriptArgs(keys: Record<(typeof INDEX_KEYS)[number], string>, groupKeys: string[],
  argv: Record<(typeof INDEX_ARGV)[number], string | number>): Array<string | number> {
  return [...INDEX_KEYS.map((name) => keys[name]), ...groupKeys, ...INDEX_ARGV.map((name) => argv[name])];
}

/**
 * Customer upserts for `seed` (one script call per chunk of at most 1,000: cheaper for the client than one
 * HSET each, and within Lua's limit of arguments to unpack).
 * KEYS: 1 customers (set), 2 eligible customers (set)
 * ARGV: 1 the packed data, 2 how many values it holds; per customer: key, id, eligible (0/1), name, gender,
 * address, zip, sign date, active, level, campaign, linked with apps, age, age source
 */
export const UPSERT_CUSTOMERS = `${UNPACK_DATA}
local a = unpackData(ARGV[1], tonumber(ARGV[2]))
if not a then return redis.error_reply(MALFORMED) end
local all, eligible, ineligible = {}, {}, {}
for i = 1, #a, 14 do
  redis.call('HSET', a[i], 'name', a[i+3], 'gender', a[i+4], 'address', a[i+5], 'zip', a[i+6], 'sign_date', a[i+7], 'active', a[i+8],
    'level', a[i+9], 'campaign', a[i+10], 'linked_with_apps', a[i+11], 'age', a[i+12], 'age_source', a[i+13])
  all[#all + 1] = a[i+1]
  if a[i+2] == '1' then eligible[#eligible + 1] = a[i+1] else ineligible[#ineligible + 1] = a[i+1] end
end
-- One command per set, not one per customer: fewer commands to replicate and append to the AOF.
if #all > 0 then redis.call('SADD', KEYS[1], unpack(all)) end
if #eligible > 0 then redis.call('SADD', KEYS[2], unpack(eligible)) end
if #ineligible > 0 then redis.call('SREM', KEYS[2], unpack(ineligible)) end
return #all
`;
