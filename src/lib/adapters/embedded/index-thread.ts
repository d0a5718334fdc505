// The embedded index on a worker thread: SQLite writes of the index then run beside the store's on
// the main thread instead of after them. Every Index call is forwarded as a message; the worker
// (index-worker.ts) owns the EmbeddedIndex.
import { Worker } from 'node:worker_threads';
import { DamagedFileError, MusicflowError, UnwritableFileError } from '../../errors.js';
import { WatermarkConflict, type Index, type SourcePosition } from '../../ports.js';
import type { OpenOptions } from './sqlite.js';

type Method = Exclude<keyof Index, 'close'>;

export interface IndexWorkerData extends OpenOptions { dataDir: string }

/**
 * An error as it crosses the thread boundary. Structured cloning keeps only the built-in error classes, so the
 * ones callers tell apart travel as their fields and are built again on this side, name and message intact.
 */
type ThreadError =
  | { name: 'WatermarkConflict'; message: string; position: SourcePosition; actual: number }
  | { name: 'DamagedFileError' | 'UnwritableFileError'; message: string; file: string; reason: string; remedy: string }
  | { name: string; message: string };

/** What the worker sends back for one call. */
export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: ThreadError };

const FILE_ERRORS = { DamagedFileError, UnwritableFileError };

export function errorForThread(err: unknown): ThreadError {
  if (err instanceof WatermarkConflict) return { name: 'WatermarkConflict', message: err.message, position: err.position, actual: err.actual };
  if (err instanceof DamagedFileError || err instanceof UnwritableFileError) {
    return { name: err.name as keyof typeof FILE_ERRORS, message: err.message, file: err.file, reason: err.reason, remedy: err.remedy };
  }
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

function errorFromThread(error: ThreadError): Error {
  if ('position' in error) return new WatermarkConflict(error.position, error.actual);
  if ('remedy' in error) return new FILE_ERRORS[error.name](error.file, error.reason, error.remedy);
  return new MusicflowError(`embedded index: ${error.name}: ${error.message}`);
}

export class ThreadedIndex implements Index {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  constructor(dataDir: string, options: OpenOptions = {}) {
    const workerData: IndexWorkerData = { dataDir, ...options };
    this.worker = new Worker(new URL('./index-worker.js', import.meta.url), { workerData });
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    // What the worker throws outside a call arrives cloned, and an error class not built in as a plain object.
    this.worker.on('error', (err: unknown) => this.failAll(err instanceof Error ? err
      : new MusicflowError(`embedded index worker failed: ${(err as { message?: unknown })?.message ?? String(err)}`)));
    this.worker.on('exit', (code) => this.failAll(new MusicflowError(`embedded index worker exited (code ${code})`)));
    this.worker.unref(); // an idle index never keeps the process alive
  }

  watermark(...args: Parameters<Index['watermark']>) { return this.call('watermark', args) as ReturnType<Index['watermark']>; }
  applyEffects(...args: Parameters<Index['applyEffects']>) { return this.call('applyEffects', args) as ReturnType<Index['applyEffects']>; }
  totals(...args: Parameters<Index['totals']>) { return this.call('totals', args) as ReturnType<Index['totals']>; }
  series(...args: Parameters<Index['series']>) { return this.call('series', args) as ReturnType<Index['series']>; }
  breakdown(...args: Parameters<Index['breakdown']>) { return this.call('breakdown', args) as ReturnType<Index['breakdown']>; }
  customersInState(...args: Parameters<Index['customersInState']>) { return this.call('customersInState', args) as ReturnType<Index['customersInState']>; }
  health(...args: Parameters<Index['health']>) { return this.call('health', args) as ReturnType<Index['health']>; }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.call('close' as Method, []);
    this.failure = new MusicflowError('embedded index is closed');
    await this.worker.terminate();
  }

  private call(method: Method, args: unknown[]): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.worker.ref(); // keep the process alive while a call is out
      this.worker.postMessage({ id, method, args });
    });
  }

  private settle(reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(errorFromThread(reply.error));
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}
