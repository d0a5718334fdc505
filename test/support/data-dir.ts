// A data dir as a user has it after a first run: the small fixture seeded, replayed and streamed, every file closed.
import { join } from 'node:path';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { streamLog } from '../../src/lib/app/stream.js';
import { smallFixture, type Fixture } from './fixtures.js';

const never = new AbortController().signal;

export async function processedDataDir(): Promise<{ dataDir: string; fx: Fixture }> {
  const fx = smallFixture();
  const dataDir = join(fx.dir, 'data');
  const backends = await openBackends(resolveConfig({ dataDir }, {}));
  try {
    await seedFiles(backends, { customers: fx.customers, music: fx.music });
    await replayFile(backends.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
    await streamLog(backends, { group: 'musicflow-stream', fromBeginning: false, untilIdle: true, maxBatch: 100, signal: never });
  } finally {
    await backends.close();
  }
  return { dataDir, fx };
}
