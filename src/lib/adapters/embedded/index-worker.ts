// Worker-thread side of ThreadedIndex: owns the EmbeddedIndex and answers one call at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { WatermarkConflict } from '../../ports.js';
import { EmbeddedIndex } from './index.js';
import type { Reply } from './index-thread.js';

const index = new EmbeddedIndex((workerData as { dataDir: string }).dataDir);
const port = parentPort!;

port.on('message', async ({ id, method, args }: { id: number; method: keyof EmbeddedIndex; args: unknown[] }) => {
  let reply: Reply;
  try {
    const value = await (index[method] as (...a: unknown[]) => Promise<unknown>).apply(index, args);
    reply = { id, ok: true, value };
  } catch (err) {
    const e = err as Error;
    reply = {
      id, ok: false,
      error: e instanceof WatermarkConflict
        ? { name: e.name, message: e.message, position: e.position, actual: e.actual }
        : { name: e.name, message: e.message },
    };
  }
  port.postMessage(reply);
});
