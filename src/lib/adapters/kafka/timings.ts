// How long the Kafka event log waits for what, the same on either client.

/** Caught up for this long on every partition: `--until-idle` is done. */
export const IDLE_MS = 1_500;
export const LAG_POLL_MS = 500;
/** Heartbeats while a batch waits for a sink (Redis down): the group keeps this worker's partitions. */
export const HEARTBEAT_MS = 1_000;
export const SESSION_TIMEOUT_MS = 10_000;
export const HEALTH_TIMEOUT_MS = 5_000;
/** Reading a range of records (dead letters, a file's position) gives up after this long. */
export const READ_RANGES_MS = 30_000;

export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
