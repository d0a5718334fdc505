// Data for the dashboard tests, made by the project's own code: the small fixture seeded, replayed into the
// embedded event log and processed by the stream, plus a customer whose name is an attack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openBackends, type Backends } from '../../src/lib/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { formatTrackLine } from '../../src/lib/formats/tracks.js';
import type { PlayEvent } from '../../src/lib/records.js';
import { replayFile } from '../../src/lib/replay.js';
import { seedFiles } from '../../src/lib/seed.js';
import { streamLog, type StreamReport } from '../../src/lib/stream.js';
import { T0, smallFixture, tempDir, type Fixture } from '../support/fixtures.js';
import { silentOutput } from '../support/output.js';

export const never = new AbortController().signal;
export const GROUP = 'musicflow-stream';
/** A customer whose name would run script if the page ever used it as markup. */
export const MARKUP_CUSTOMER = { id: 5, name: '<img src=x onerror="window.__pwned=1;alert(1)">' };

export interface Loaded {
  backends: Backends;
  fx: Fixture;
  /** What `musicflow stream --json` reported for the fixture. */
  stream: StreamReport;
}

export async function loadedBackends(): Promise<Loaded> {
  const fx = smallFixture();
  const backends = await openBackends(resolveConfig({ dataDir: tempDir('musicflow-dashboard-') }, {}));
  await seedFiles(backends, { customers: fx.customers, music: fx.music }, silentOutput);
  await backends.store.upsertCustomers([{
    id: MARKUP_CUSTOMER.id, name: MARKUP_CUSTOMER.name, gender: 'female', address: '5 Elm St', zip: '94103', signDate: '2013-05-05',
    active: true, level: 0, campaign: 0, linkedWithApps: false, age: 31, ageSource: 'file',
  }]);
  await replayFile(backends.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
  return { backends, fx, stream: await processLog(backends) };
}

/** Runs the stream until the log is caught up. */
export async function processLog(backends: Backends): Promise<StreamReport> {
  return streamLog(backends, { group: GROUP, fromBeginning: false, untilIdle: true, maxBatch: 100, signal: never, status: false }, silentOutput);
}

let extraId = 1000;

/** Appends plays through the event log (a tracks file replayed) and processes them. */
export async function appendPlays(backends: Backends, plays: Array<Omit<PlayEvent, 'eventId'>>): Promise<void> {
  const file = join(tempDir('musicflow-dashboard-more-'), 'tracks.csv');
  writeFileSync(file, `${plays.map((p) => formatTrackLine({ ...p, eventId: extraId++ })).join('\n')}\n`);
  await replayFile(backends.log, { file, retime: false, follow: false, loop: false, signal: never });
  await processLog(backends);
}

/** Plays by the markup customer in San Francisco on mobile, an hour after the fixture's first play. */
export function markupCustomerPlays(count: number): Array<Omit<PlayEvent, 'eventId'>> {
  return Array.from({ length: count }, (_, i) => ({
    customerId: MARKUP_CUSTOMER.id, trackId: 13, time: T0 + 60 * 60_000 + i * 60_000, mobile: true, zip: '94103',
  }));
}
