// The Redis scripts' documented KEYS and ARGV (the header of each lua/*.lua) against the layouts the adapter
// calls them with (scripts.ts): a key or argument added, dropped or moved on one side only fails here.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { APPLY_STORE_BATCH, UPSERT_CUSTOMERS, luaSource, type ScriptLayout } from '../../src/lib/adapters/redis/scripts.js';

const LUA_DIR = new URL('../../../src/lib/adapters/redis/lua/', import.meta.url);
const LAYOUTS: Array<ScriptLayout<string, string>> = [APPLY_STORE_BATCH, UPSERT_CUSTOMERS];

interface Header { keys: string[]; moreKeys: string | null; argv: string[] }

/** `-- KEYS[n] name: ...`, `-- KEYS[n..] name: ...` and `-- ARGV[n] name: ...` lines, in order and numbered from 1. */
function header(text: string, file: string): Header {
  const out: Header = { keys: [], moreKeys: null, argv: [] };
  for (const m of text.matchAll(/^-- (KEYS|ARGV)\[(\d+)(\.\.)?\] ([^:\n]+)/gm)) {
    const [, kind, n, more, name] = m;
    const list = kind === 'KEYS' ? out.keys : out.argv;
    if (more) {
      assert.equal(kind, 'KEYS', `${file}: only KEYS may run on ("[n..]")`);
      assert.equal(Number(n), out.keys.length + 1, `${file}: KEYS[${n}..] follows the fixed keys`);
      out.moreKeys = name.trim();
      continue;
    }
    assert.equal(Number(n), list.length + 1, `${file}: ${kind}[${n}] is out of order`);
    list.push(name.trim());
  }
  return out;
}

describe('Redis scripts', () => {
  const files = readdirSync(LUA_DIR).filter((f) => f.endsWith('.lua'));

  it('every script has a layout in scripts.ts, and every layout a script', () => {
    assert.deepEqual(files.sort(), LAYOUTS.map((l) => l.file).sort());
  });

  for (const layout of LAYOUTS) {
    it(`${layout.file}: the documented KEYS and ARGV are the layout's`, () => {
      const documented = header(readFileSync(new URL(layout.file, LUA_DIR), 'utf8'), layout.file);
      assert.deepEqual(documented.keys, [...layout.keys], 'KEYS');
      assert.equal(documented.moreKeys, layout.moreKeys, 'the keys after the fixed ones');
      assert.deepEqual(documented.argv, [...layout.argv], 'ARGV');
      assert.equal(Number(/-(\d+)\.lua$/.exec(layout.file)?.[1]), layout.keys.length, 'the number in the name is the fixed KEYS');
    });

    it(`${layout.file}: reads no ARGV and no fixed KEYS past its layout`, () => {
      const source = luaSource(layout.file);
      for (const m of source.matchAll(/ARGV\[(\d+)\]/g)) assert.ok(Number(m[1]) <= layout.argv.length, `ARGV[${m[1]}]`);
      for (const m of source.matchAll(/KEYS\[(\d+)\]/g)) assert.ok(Number(m[1]) <= layout.keys.length, `KEYS[${m[1]}]`);
      assert.doesNotMatch(source, /^--- @include/m, 'every include is expanded');
    });
  }
});
