// The Redis scripts' documented layout (the header of each .lua file) against the TypeScript that packs
// their arguments: a script and its caller that disagree on KEYS or ARGV fail here, without a server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { INDEX_ARGV, INDEX_KEYS, indexScriptArgs } from '../../src/lib/adapters/redis/scripts.js';

const source = (name: string) => readFileSync(new URL(`../../src/lib/adapters/redis/lua/${name}.lua`, import.meta.url), 'utf8');

/** The `-- KEYS[n] name` / `-- ARGV[n] name` lines of a script's header, in order. */
function documented(lua: string, table: 'KEYS' | 'ARGV'): Array<[number, string]> {
  return [...lua.matchAll(new RegExp(`^-- ${table}\\[(\\d+)\\] (.+)$`, 'gm'))].map((m) => [Number(m[1]), m[2].trim()]);
}

/** The highest n the code (not the comments) reads as TABLE[n]. */
function highestUsed(lua: string, table: 'KEYS' | 'ARGV'): number {
  const code = lua.split('\n').filter((line) => !line.trimStart().startsWith('--')).join('\n');
  return Math.max(0, ...[...code.matchAll(new RegExp(`${table}\\[(\\d+)\\]`, 'g'))].map((m) => Number(m[1])));
}

describe('applyIndexEffects.lua and its packing', () => {
  const lua = source('applyIndexEffects');

  it('documents the fixed KEYS and every ARGV in the order the TypeScript packs them', () => {
    assert.deepEqual(documented(lua, 'KEYS'), INDEX_KEYS.map((name, i) => [i + 1, name]));
    assert.deepEqual(documented(lua, 'ARGV'), INDEX_ARGV.map((name, i) => [i + 1, name]));
  });

  it('reads no ARGV or fixed KEYS beyond the documented ones, and the packed data where documented', () => {
    assert.ok(highestUsed(lua, 'ARGV') <= INDEX_ARGV.length);
    const at = Number(/batchValues\((\d+)\)/.exec(lua)?.[1]);
    assert.deepEqual([INDEX_ARGV[at - 1], INDEX_ARGV[at]], ['data', 'data values'], 'batchValues(at) reads ARGV[at] and ARGV[at + 1]');
    assert.ok(highestUsed(lua, 'KEYS') <= INDEX_KEYS.length, 'keys past the fixed ones are reached only through positions in the data');
    assert.match(lua, /^-- KEYS\[3\.\.\] /m, 'the keys the groups name are documented');
  });

  it('packs keys first, then each argument at its documented position', () => {
    const argv = Object.fromEntries(INDEX_ARGV.map((name) => [name, `<${name}>`])) as Record<(typeof INDEX_ARGV)[number], string>;
    const args = indexScriptArgs({ watermark: 'W', counters: 'C' }, ['G1', 'G2'], argv);
    assert.deepEqual(args.slice(0, 4), ['W', 'C', 'G1', 'G2']);
    for (const [n, name] of documented(lua, 'ARGV')) assert.equal(args[4 + n - 1], `<${name}>`, `ARGV[${n}] is ${name}`);
  });
});
