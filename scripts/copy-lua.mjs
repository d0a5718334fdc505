// Part of `npm run build`: tsc copies no .lua files, so the Redis scripts are copied next to their compiled loader.
import { cpSync } from 'node:fs';

cpSync('src/lib/adapters/redis/lua', 'dist/src/lib/adapters/redis/lua', { recursive: true });
