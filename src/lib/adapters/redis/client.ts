// One ioredis connection per adapter, with the failure behaviour the pipeline relies on: while Redis is
// unreachable, commands fail fast with BackendUnavailableError (after a couple of reconnect attempts)
// so `stream` pauses and retries the batch with backoff instead of piling up work in memory.
import { Redis, type RedisOptions } from 'ioredis';
import { BackendUnavailableError } from '../../errors.js';

/** Errors that say "Redis cannot answer right now" rather than "this request is wrong". */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const TRANSIENT_REPLIES = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY)\b/;
const TRANSIENT_MESSAGES = /Connection is closed|Stream isn't writeable|Reached the max retries per request limit|connect ETIMEDOUT|Command timed out/;

export function isTransient(err: unknown): boolean {
  if (err instanceof BackendUnavailableError) return true;
  const e = err as { name?: string; code?: string; message?: string } | null;
  if (!e) return false;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (e.code && TRANSIENT_CODES.has(e.code)) return true;
  const message = e.message ?? '';
  return TRANSIENT_REPLIES.test(message) || TRANSIENT_MESSAGES.test(message);
}

/** The URL without its password, fit for messages and reports. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

export class RedisConnection {
  readonly client: Redis;
  readonly label: string;
  private lastError: Error | null = null;
  private connecting: Promise<void> | null = null;

  constructor(readonly url: string, options: RedisOptions = {}) {
    this.label = `Redis (${redactedUrl(url)})`;
    this.client = new Redis(url, {
      lazyConnect: true,
      connectTimeout: 5_000,
      commandTimeout: 60_000,
      maxRetriesPerRequest: 2,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
      ...options,
    });
    // Without a listener ioredis prints every failed reconnect; the state is reported through errors instead.
    this.client.on('error', (err: Error) => { this.lastError = err; });
    this.client.on('ready', () => { this.lastError = null; });
  }

  /** Runs Redis work; transient failures become BackendUnavailableError (the pipeline retries those). */
  async run<T>(work: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      if (this.client.status === 'wait') {
        this.connecting ??= this.client.connect().finally(() => { this.connecting = null; });
        await this.connecting;
      }
      return await work(this.client);
    } catch (err) {
      if (isTransient(err)) {
        const reason = this.lastError?.message ?? (err as Error).message;
        throw new BackendUnavailableError(this.label, `${reason} (is redis-server running? check --redis / MUSICFLOW_REDIS_URL)`);
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.client.status === 'wait' || this.client.status === 'end') {
      this.client.disconnect();
      return;
    }
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/** Pipeline/multi results: the first error is thrown, else the replies. */
export function replies(results: Array<[Error | null, unknown]> | null): unknown[] {
  if (!results) throw new Error('Redis transaction was aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/** Kept here for the callers that import it from this module (one definition: ../../chunked.ts). */
export { chunked } from '../../chunked.js';
