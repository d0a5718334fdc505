// The Lua scripts' text, from the .lua files in lua/ next to this module (the build copies them into
// dist/: scripts/copy-lua.mjs). A line `--- @include <name>` stands for lua/includes/<name>.lua.
import { readFileSync } from 'node:fs';

const folder = new URL('./lua/', import.meta.url);

function read(path: string): string {
  return readFileSync(new URL(path, folder), 'utf8')
    .replace(/^--- @include (\S+)[ \t]*$/gm, (_line, name: string) => read(`includes/${name}.lua`).trimEnd());
}

/** The script `lua/<name>.lua`, includes in place. */
export function luaScript(name: string): string {
  return read(`${name}.lua`);
}
