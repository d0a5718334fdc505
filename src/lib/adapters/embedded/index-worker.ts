// Worker-thread side of ThreadedIndex: owns the EmbeddedIndex and answers one call at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddedIndex } from './index.js';
import { errorForThread, type IndexWorkerData, type Reply } from './index-thread.js';

const { dataDir, readOnly } = workerData as IndexWorkerData;
const port = parentPort!;

// A file that cannot be opened is every call's answer, so the caller gets the named error rather than a dead worker.
let index: EmbeddedIndex | null = null;
let openFailure: unknown = null;
try {
  index = new EmbeddedIndex(dataDir, { readOnly });
} catch (err) {
  openFailure = err;
}

port.on('message', async ({ id, method, args }: { id: number; method: keyof EmbeddedIndex; args: unknown[] }) => {
  let reply: Reply;
  try {
    if (!index) {
      if (method !== 'close') throw openFailure;
      reply = { id, ok: true, value: undefined };
    } else {
      const value = await (index[method] as (...a: unknown[]) => Promise<unknown>).apply(index, args);
      reply = { id, ok: true, value };
    }
  } catch (err) {
    reply = { id, ok: false, error: errorForThread(err) };
  }
  port.postMessage(reply);
});
