// Data for the dashboard tests, made by the project's own code: the small fixture or the generator's data
// seeded, replayed into the embedded event log and processed by the stream, plus a customer whose name is an attack.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backends } from '../../src/lib/app/backends.js';
import { openBackends } from '../../src/lib/wiring/backends.js';
import { resolveConfig } from '../../src/lib/config.js';
import { formatTrackLine } from '../../src/lib/formats/tracks.js';
import { generateDataSet } from '../../src/lib/generate/dataset.js';
import type { PlayEvent } from '../../src/lib/records.js';
import { replayFile } from '../../src/lib/app/replay.js';
import { seedFiles } from '../../src/lib/app/seed.js';
import { streamLog, type StreamReport } from '../../src/lib/app/stream.js';
import { T0, smallFixture, tempDir, type Fixture } from '../support/fixtures.js';

export const never = new AbortController().signal;
export const GROUP = 'musicflow-stream';

/** The dashboard's unexpected errors are bugs: shown on stderr, so a failing test says why. */
export const showServerError = (err: Error): void => {
  process.stderr.write(`dashboard: ${err.stack ?? err.message}\n`);
};
/** A customer whose name would run script if the page ever used it as markup. */
export const MARKUP_CUSTOMER = { id: 5, name: '<img src=x onerror="window.__pwned=1;alert(1)">' };

export interface Loaded {
  backends: Backends;
  fx: Fixture;
  /** What `musicflow stream --json` reported for the fixture. */
  stream: StreamReport;
}

async function addMarkupCustomer(backends: Backends, id: number): Promise<void> {
  await backends.store.upsertCustomers([{
    id, name: MARKUP_CUSTOMER.name, gender: 'female', address: '5 Elm St', zip: '94103', signDate: '2013-05-05',
    active: true, level: 0, campaign: 0, linkedWithApps: false, age: 31, ageSource: 'file',
  }]);
}

/** The small fixture (exact, hand-checked answers) plus the markup customer, processed by the stream. */
export async function loadedBackends(): Promise<Loaded> {
  const fx = smallFixture();
  const backends = await openBackends(resolveConfig({ dataDir: tempDir('musicflow-dashboard-') }, {}));
  await seedFiles(backends, { customers: fx.customers, music: fx.music });
  await addMarkupCustomer(backends, MARKUP_CUSTOMER.id);
  await replayFile(backends.log, { file: fx.tracks, retime: false, follow: false, loop: false, signal: never });
  return { backends, fx, stream: await processLog(backends) };
}

export interface Generated {
  backends: Backends;
  stream: StreamReport;
  /** Id of the customer whose name is markup (one past the generated customers). */
  markupId: number;
  /** Just after the generated log's last day: plays added then are the newest. */
  end: number;
}

const DAY = 86_400_000;

/** A small data set from the project's generator (seeded, so the same every run), seeded, replayed and streamed. */
export async function generatedBackends(): Promise<Generated> {
  const customers = 300;
  const days = 3;
  const start = Date.UTC(2014, 9, 20);
  const out = tempDir('musicflow-dashboard-generated-');
  const summary = await generateDataSet({ customers, tracks: 400, events: 6000, days, seed: 11, start, out });
  const backends = await openBackends(resolveConfig({ dataDir: join(out, 'data') }, {}));
  await seedFiles(backends, { customers: summary.files.customers, music: summary.files.music });
  await addMarkupCustomer(backends, customers + 1);
  await replayFile(backends.log, { file: summary.files.tracks, retime: false, follow: false, loop: false, signal: never });
  return { backends, stream: await processLog(backends), markupId: customers + 1, end: start + days * DAY };
}

/** Runs the stream until the log is caught up. */
export async function processLog(backends: Backends): Promise<StreamReport> {
  return streamLog(backends, { group: GROUP, fromBeginning: false, untilIdle: true, maxBatch: 100, signal: never });
}

// Far above any id the fixture or the generator uses.
let extraId = 900_000_000;

/** Appends plays through the event log (a tracks file replayed) and processes them. */
export async function appendPlays(backends: Backends, plays: Array<Omit<PlayEvent, 'eventId'>>): Promise<void> {
  const file = join(tempDir('musicflow-dashboard-more-'), 'tracks.csv');
  writeFileSync(file, `${plays.map((p) => formatTrackLine({ ...p, eventId: extraId++ })).join('\n')}\n`);
  await replayFile(backends.log, { file, retime: false, follow: false, loop: false, signal: never });
  await processLog(backends);
}

/** One customer's plays of one track in San Francisco on mobile, a minute apart from `at` (an interest from the third). */
export function markupCustomerPlays(count: number, customerId = MARKUP_CUSTOMER.id, trackId = 13, at = T0 + 60 * 60_000): Array<Omit<PlayEvent, 'eventId'>> {
  return Array.from({ length: count }, (_, i) => ({ customerId, trackId, time: at + i * 60_000, mobile: true, zip: '94103' }));
}
