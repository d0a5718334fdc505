// The newcomer's one command: generate (or reuse) data, seed, replay most of the log, stream it,
// train and deploy the offer model, replay the rest so targeting is seen at work, and sum it up.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Backends } from './backends.js';
import { MusicflowError } from '../errors.js';
import { DAY, dayOf, floorTo } from '../pipeline/time.js';
import { generateDataSet, generatedFilesIn, type GeneratedFiles } from '../generate/dataset.js';
import { isoDateMillis } from '../formats/datetime.js';
import { DEFAULT_TRAIN, trainAndDeploy, type TrainReport } from './train.js';
import { startAdsServer, type OfferResponse } from '../ads/server.js';
import { checkOffer } from '../model/offer.js';
import { smsId } from '../pipeline/target.js';
import { OutboxSmsProvider } from '../sms/outbox.js';
import { PROVIDER_TIMEOUT_MS } from '../sms/providers.js';
import { DEFAULT_RETRY } from '../sms/retry.js';
import { SMS_CLAIM_TIMEOUT_MS } from '../ports.js';
import { replayFile, type ReplayReport } from './replay.js';
import { serveSms } from './sms.js';
import { seedFiles, type SeedProgress } from './seed.js';
import { streamLog, type StreamProgress, type StreamReport } from './stream.js';

export interface DemoOptions {
  dataDir: string;
  customers: number;
  tracks: number;
  events: number;
  days: number;
  seed: number;
  threshold: number;
  group: string;
  signal: AbortSignal;
}

export interface DemoReport {
  events_read: number;
  events_processed: number;
  dead_letters: number;
  customers: number;
  tracks: number;
  interests: number;
  profiles: number;
  eligible_customers: number;
  targeted_customers: number;
  ad_decisions: number;
  sms_queued: number;
  /** The delivery loop: one targeted listener's offer from the offer API, and the SMS sender to the outbox. Null when nobody is targeted. */
  offer_loop: OfferLoopReport | null;
  model: Pick<TrainReport, 'model_version' | 'deployed' | 'error' | 'baseline_error' | 'auc' | 'reason'> | { deployed: false; reason: string };
  replay_events_per_sec: number;
  stream_events_per_sec: number;
  latency_ms: StreamReport['latency_ms'];
  data_files: GeneratedFiles;
  data_dir: string;
  elapsed_ms: number;
}

/** What the demo reports as it goes, step by step; the caller decides what to show. */
export type DemoProgress =
  | { kind: 'reusing-data'; folder: string }
  | { kind: 'generating'; plays: number; of: number }
  | { kind: 'generated'; folder: string; plays: number; customers: number }
  /** The demo's own files of an earlier run are removed: it starts from a clean state. */
  | { kind: 'clearing-state'; dataDir: string; files: string[] }
  | { kind: 'seeding'; folder: string }
  | { kind: 'seed'; event: SeedProgress }
  | { kind: 'replaying'; sent: number; of: number }
  | { kind: 'stream'; event: StreamProgress }
  | { kind: 'training' }
  | { kind: 'trained'; model: DemoReport['model'] }
  /** The offer API and the SMS sender start in this process, for one targeted listener. */
  | { kind: 'delivering'; customerId: number };

export interface OfferLoopReport {
  customer_id: number;
  /** What GET /offers/<customer_id> answered. */
  offer: OfferResponse;
  /** The SMS of that listener's offer today, and whether it is in the outbox now. */
  sms_id: string;
  sms_delivered: boolean;
  sms_sent: number;
  outbox: string;
}

/** Share of the log streamed before training; the rest arrives after, so targeted listeners show up. */
const BEFORE_TRAINING = 0.9;
/** The files of the embedded state a demo run starts without. */
const STATE_FILES = ['log.db', 'state.db', 'index.db', 'sms-outbox.jsonl'];

export function demoDataFolder(dataDir: string): string {
  return join(dataDir, 'demo-data');
}

export async function runDemo(
  backendsFor: () => Promise<Backends>, options: DemoOptions, onProgress: (event: DemoProgress) => void = () => {},
): Promise<{ report: DemoReport; backends: Backends; files: GeneratedFiles }> {
  const started = Date.now();
  const files = await ensureData(options, onProgress);
  resetState(options.dataDir, onProgress);
  const backends = await backendsFor();
  try {
    onProgress({ kind: 'seeding', folder: demoDataFolder(options.dataDir) });
    await seedFiles(backends, { customers: files.customers, music: files.music, clicks: files.clicks }, (event) => onProgress({ kind: 'seed', event }));

    const firstPart = Math.floor(options.events * BEFORE_TRAINING);
    const replay1 = await replayPart(backends, files.tracks, { limit: firstPart, again: true }, firstPart, onProgress);
    const stream1 = await streamAll(backends, options, onProgress);
    stopIfAsked(options.signal);

    onProgress({ kind: 'training' });
    const model = await train(backends, options);
    onProgress({ kind: 'trained', model });

    stopIfAsked(options.signal);
    const replay2 = await replayPart(backends, files.tracks, {}, options.events - firstPart, onProgress); // resumes after the first part
    const stream2 = await streamAll(backends, options, onProgress);
    stopIfAsked(options.signal);

    const offerLoop = await deliverOffer(backends, options, onProgress);
    const counts = await backends.store.counts();
    const replayMs = replay1.elapsed_ms + replay2.elapsed_ms;
    const streamMs = stream1.elapsed_ms + stream2.elapsed_ms;
    const report: DemoReport = {
      events_read: replay1.lines_read + replay2.lines_read,
      events_processed: stream1.events_processed + stream2.events_processed,
      dead_letters: replay1.rejected + replay2.rejected + stream1.dead_letters + stream2.dead_letters,
      customers: counts.customers,
      tracks: counts.tracks,
      interests: counts.interests,
      profiles: counts.profiles,
      eligible_customers: counts.eligibleCustomers,
      targeted_customers: counts.targetedCustomers,
      ad_decisions: counts.adDecisions,
      sms_queued: counts.smsQueued,
      offer_loop: offerLoop,
      model,
      replay_events_per_sec: Math.round((replay1.events_sent + replay2.events_sent) / Math.max(replayMs / 1000, 0.001)),
      stream_events_per_sec: Math.round((stream1.events_processed + stream2.events_processed) / Math.max(streamMs / 1000, 0.001)),
      latency_ms: stream1.latency_ms,
      data_files: files,
      data_dir: options.dataDir,
      elapsed_ms: Date.now() - started,
    };
    return { report, backends, files };
  } catch (err) {
    await backends.close();
    throw err;
  }
}

/** The first listener (by id) the deployed model targets who is eligible now, or null. */
async function firstTargeted(backends: Backends): Promise<number | null> {
  for (let after = -1; ;) {
    const page = await backends.live.listProfiles(after, 500);
    if (page.length === 0) return null;
    for (const p of page) if ((await checkOffer(backends.store, p.customerId)).show_offer) return p.customerId;
    after = page[page.length - 1].customerId;
  }
}

/**
 * The whole loop as the music service would see it: the offer API (in this process, on a free loopback port) asked
 * for one targeted listener's offer, which records today's decision and SMS once; then the SMS sender drains the
 * queue to the outbox, and the listener's SMS is looked up there.
 */
async function deliverOffer(backends: Backends, options: DemoOptions, onProgress: (event: DemoProgress) => void): Promise<OfferLoopReport | null> {
  const customerId = await firstTargeted(backends);
  if (customerId === null) return null;
  onProgress({ kind: 'delivering', customerId });
  const token = randomBytes(16).toString('hex');
  const now = Date.now();
  let serverError: Error | null = null; // an unexpected error inside the offer API: the demo fails with it
  const onError = (err: Error) => { serverError ??= err; };
  const server = await startAdsServer(backends.store, { port: 0, host: '127.0.0.1', token, now: () => now, onError });
  let offer: OfferResponse;
  try {
    const response = await fetch(`${server.url}offers/${customerId}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new MusicflowError(`demo: the offer API answered HTTP ${response.status}: ${await response.text()}`);
    offer = await response.json() as OfferResponse;
  } finally {
    await server.close();
  }
  if (serverError) throw serverError;
  const provider = new OutboxSmsProvider(options.dataDir);
  const sent = await serveSms(backends, {
    provider, phones: null, consumer: 'demo', concurrency: 16, ratePerSec: null, retry: DEFAULT_RETRY,
    claimTimeoutMs: SMS_CLAIM_TIMEOUT_MS, tryTimeoutMs: PROVIDER_TIMEOUT_MS, idlePollMs: 100, metrics: null, untilEmpty: true, signal: options.signal, onError,
  });
  const id = smsId(customerId, dayOf(now));
  const outbox = existsSync(provider.path) ? readFileSync(provider.path, 'utf8') : '';
  const delivered = outbox.split('\n').some((line) => line !== '' && (JSON.parse(line) as { id: string }).id === id);
  return { customer_id: customerId, offer, sms_id: id, sms_delivered: delivered, sms_sent: sent.sent, outbox: provider.path };
}

async function train(backends: Backends, options: DemoOptions): Promise<DemoReport['model']> {
  try {
    const r = await trainAndDeploy(backends.store, { ...DEFAULT_TRAIN, threshold: options.threshold, seed: options.seed });
    return { model_version: r.model_version, deployed: r.deployed, error: r.error, baseline_error: r.baseline_error, auc: r.auc, reason: r.reason };
  } catch (err) {
    return { deployed: false, reason: (err as Error).message };
  }
}

/** Generated files are reused when they were made with the same sizes and seed. */
async function ensureData(options: DemoOptions, onProgress: (event: DemoProgress) => void): Promise<GeneratedFiles> {
  const folder = demoDataFolder(options.dataDir);
  // The log ends today, so the live plays the dashboard shows afterwards continue it without a gap.
  const start = new Date(floorTo(Date.now(), DAY) - options.days * DAY).toISOString().slice(0, 10);
  const recipe = { customers: options.customers, tracks: options.tracks, events: options.events, days: options.days, seed: options.seed, start };
  const recipeFile = join(folder, 'recipe.json');
  const files = generatedFilesIn(folder);
  const same = existsSync(recipeFile) && readFileSync(recipeFile, 'utf8') === JSON.stringify(recipe)
    && Object.values(files).every((f) => existsSync(f));
  if (same) {
    onProgress({ kind: 'reusing-data', folder });
    return files;
  }
  await generateDataSet({ ...recipe, start: isoDateMillis(start), out: folder, onPlays: (plays) => onProgress({ kind: 'generating', plays, of: options.events }) });
  writeFileSync(recipeFile, JSON.stringify(recipe));
  onProgress({ kind: 'generated', folder, plays: options.events, customers: options.customers });
  return files;
}

function resetState(dataDir: string, onProgress: (event: DemoProgress) => void): void {
  const present = STATE_FILES.filter((f) => existsSync(join(dataDir, f)));
  if (present.length === 0) return;
  onProgress({ kind: 'clearing-state', dataDir, files: present });
  for (const f of present) {
    for (const suffix of ['', '-wal', '-shm']) rmSync(join(dataDir, f + suffix), { force: true });
  }
}

/** `of`: the plays this part sends, for the caller's progress bar. */
function replayPart(backends: Backends, file: string, part: { limit?: number; again?: boolean }, of: number, onProgress: (event: DemoProgress) => void): Promise<ReplayReport> {
  return replayFile(backends.log, {
    file, retime: false, follow: false, loop: false, ...part, signal: new AbortController().signal,
    onProgress: (r) => onProgress({ kind: 'replaying', sent: r.events_sent, of }),
  });
}

function streamAll(backends: Backends, options: DemoOptions, onProgress: (event: DemoProgress) => void): Promise<StreamReport> {
  return streamLog(backends, { group: options.group, fromBeginning: false, untilIdle: true, maxBatch: 20000, signal: options.signal },
    (event) => onProgress({ kind: 'stream', event }));
}

function stopIfAsked(signal: AbortSignal): void {
  if (signal.aborted) throw new MusicflowError('demo: stopped before the end (what was streamed is kept; run the demo again to start over)', 130);
}
