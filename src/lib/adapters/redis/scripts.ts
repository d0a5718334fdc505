// The Lua scripts that apply one batch atomically. The store's live in lua/*.lua (the number in a name is how
// many KEYS the script always takes; KEYS and ARGV are documented at the top of each), read from the source tree
// (tsc copies no .lua files into dist/, and a clone or an installed package has src/ beside dist/); shared
// helpers come in through `--- @include "<name>"` lines (lua/includes/<name>.lua). ioredis loads each with
// SCRIPT LOAD and falls back to EVAL after a Redis restart.
// Key names are computed by the adapter (keys.ts) and passed in KEYS: a script never builds one itself.
// Each batch script first compares the partition's watermark with the batch's expected value and returns
// {'conflict', actual} without writing anything when they differ; otherwise it writes every effect and
// moves the watermark, all in one step no other client can interleave with.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MusicflowError } from '../../errors.js';
import { chunked } from '../../chunked.js';

/** The .lua files, from dist/src/lib/adapters/redis/ (where this module runs) back to the source tree. */
const LUA_DIR = new URL('../../../../../src/lib/adapters/redis/lua/', import.meta.url);

function readLua(file: string): string {
  const url = new URL(file, LUA_DIR);
  try {
    return readFileSync(url, 'utf8');
  } catch (err) {
    throw new MusicflowError(`cannot read the Redis script ${fileURLToPath(url)} (${(err as Error).message}): `
      + 'musicflow reads its Lua scripts from src/lib/adapters/redis/lua/ beside dist/; reinstall or re-clone so both are there');
  }
}

/** A script's text with its `--- @include "<name>"` lines replaced by lua/includes/<name>.lua (each once). */
export function luaSource(file: string, included = new Set<string>()): string {
  return readLua(file).replace(/^--- @include "([\w-]+)"$/gm, (_line, name: string) => {
    if (included.has(name)) return '';
    included.add(name);
    return luaSource(`includes/${name}.lua`, included);
  });
}

/** What a script takes, in order: the TypeScript side of the header at the top of its .lua file. */
export interface ScriptLayout<K extends string, A extends string> {
  file: string;
  keys: readonly K[];
  /** What follows the fixed keys (KEYS[n..]), if anything. */
  moreKeys: string | null;
  argv: readonly A[];
}

/** KEYS then ARGV for a call, each in its layout's order; the keys that follow the fixed ones come last. */
export function scriptArgs<K extends string, A extends string>(
  layout: ScriptLayout<K, A>, keys: Record<K, string>, argv: Record<A, string | number>, moreKeys: string[] = [],
): [number, ...Array<string | number>] {
  return [layout.keys.length + moreKeys.length, ...layout.keys.map((k) => keys[k]), ...moreKeys, ...layout.argv.map((a) => argv[a])];
}

export const APPLY_STORE_BATCH = {
  file: 'applyStoreBatch-6.lua',
  keys: ['watermark', 'counters', 'profiles', 'interests by time', 'sms', 'sms entries'],
  moreKeys: 'customer keys',
  argv: ['expected', 'next', 'profile fields', 'profiles', 'recent lists', 'pair groups', 'interests', 'ad decisions', 'sms', 'counters', 'data', 'values'],
} as const satisfies ScriptLayout<string, string>;

export const UPSERT_CUSTOMERS = {
  file: 'upsertCustomers-2.lua',
  keys: ['customers', 'eligible customers'],
  moreKeys: 'customer keys',
  argv: ['customer fields', 'cleared fields', 'data', 'values'],
} as const satisfies ScriptLayout<string, string>;

export const RECORD_OFFER = {
  file: 'recordOffer-4.lua',
  keys: ['ads', 'counters', 'sms', 'sms entries'],
  moreKeys: null,
  argv: ['day', 'decision', 'sms id', 'customer id', 'text', 'at'],
} as const satisfies ScriptLayout<string, string>;

export const SETTLE_SMS = {
  file: 'settleSms-4.lua',
  keys: ['sms', 'sms entries', 'sms failed', 'counters'],
  moreKeys: null,
  argv: ['group', 'outcome', 'failed at', 'data', 'values'],
} as const satisfies ScriptLayout<string, string>;

export const REQUEUE_SMS = {
  file: 'requeueSms-3.lua',
  keys: ['sms', 'sms entries', 'sms failed'],
  moreKeys: null,
  argv: ['all', 'data', 'values'],
} as const satisfies ScriptLayout<string, string>;

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

export const APPLY_INDEX_EFFECTS = {
  file: 'applyIndexEffects-2.lua',
  keys: ['watermark', 'counters'],
  moreKeys: 'group keys',
  argv: ['expected', 'next', 'plays', 'mobile plays', 'increment groups', 'add groups', 'data', 'data values'],
} as const satisfies ScriptLayout<string, string>;
