// The three ports the pipeline sees. Adapters (embedded files, Kafka, Redis, ...) implement them;
// pipeline, model and dashboard code import only from here and from records.ts.
import type {
  Click, Customer, DeadLetter, DetectedInterest, EnrichedPlay, Interest, ListenPair, PlayEvent, Profile, Track,
} from './records.js';

// ---------------------------------------------------------------- event log

export interface LogRecord {
  key: string; // customer id: keeps one customer's plays in one partition, in order
  value: string; // the raw tracks.csv line, as Logstash would ship it
  source?: { file: string; line: number };
}

export interface ConsumedRecord extends LogRecord {
  partition: number;
  offset: number;
  appendedAt: number; // when the log accepted it (Kafka: the message timestamp): for end-to-end latency
}

/** Records of one partition, in offset order. */
export interface LogBatch {
  partition: number;
  records: ConsumedRecord[];
}

export interface PartitionLag {
  partition: number;
  committed: number; // next offset the group will read (0 when nothing committed)
  end: number; // next offset to be written
  lag: number;
}

export interface ConsumeOptions {
  group: string;
  fromBeginning: boolean;
  /** Resolve once every partition is caught up and stays so for a moment. */
  untilIdle: boolean;
  signal: AbortSignal;
  maxBatch: number;
  /** Called for each batch; offsets are committed only after it resolves. */
  onBatch: (batch: LogBatch) => Promise<void>;
  /** Called after the adapter learns the current lag (for status lines). */
  onLag?: (lag: PartitionLag[]) => void;
}

/** How far a file has been sent into the log: every line up to `line`, which ends before byte `byte`. */
export interface FilePosition {
  line: number;
  byte: number;
}

/** One step of sending a file: its records and rejected lines, and where the file stands before and after them. */
export interface FileStep {
  fileId: string; // the file's identity (see fileIdentity in tail.ts), whatever its path
  from: FilePosition;
  to: FilePosition;
  records: LogRecord[];
  deadLetters: DeadLetter[];
}

/** Where a file stands in the log: sent up to `position`; of the lines after it, `alsoSent` are in the log too. */
export interface FileProgress {
  position: FilePosition;
  alsoSent: Set<number>; // a step cut short by a crash, found in the log's tail
}

/** Dead letters held by the log, each counted once, by the stage that rejected the line. */
export interface DeadLetterCounts {
  total: number;
  byStage: Record<DeadLetter['stage'], number>;
}

export interface EventLog {
  readonly name: string; // topic / log name, part of sink watermark keys
  /** Plays that are new by design (a `--loop` or `--retime` pass): no file position is kept. */
  append(records: LogRecord[]): Promise<void>;
  /**
   * A step of a file sent once per line: its records, its dead letters and the file's new position. A step a crash
   * cut short leaves fileProgress naming exactly the lines the log holds (one transaction on the embedded log;
   * on Kafka, found in the topics' tails).
   */
  appendFromFile(step: FileStep): Promise<void>;
  /** Where a file stands in the log (null: never sent), so a re-run sends each line once. */
  fileProgress(fileId: string): Promise<FileProgress | null>;
  /** A letter the log holds already (same source, line, stage and text) is kept once. */
  appendDeadLetters(letters: DeadLetter[]): Promise<void>;
  consume(options: ConsumeOptions): Promise<void>;
  lag(group: string): Promise<PartitionLag[]>;
  /** Each letter once (see deadLetterKey), however often it was appended, by stage. */
  deadLetterCounts(): Promise<DeadLetterCounts>;
  /** The oldest `limit` letters, each once. */
  readDeadLetters(limit: number): Promise<DeadLetter[]>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

// ---------------------------------------------------------------- shared

export interface Health {
  backend: string; // e.g. "embedded log", "kafka", "redis"
  ok: boolean;
  detail: string;
  facts?: Record<string, unknown>;
}

/**
 * Where a sink stands in one partition of the log: the last offset whose effects it holds.
 * Sinks apply a batch only if their watermark still equals `expected` (compare and set), so a
 * redelivered or concurrently processed batch changes nothing.
 */
export interface SourcePosition {
  log: string;
  partition: number;
  expected: number; // -1 when nothing applied yet
  next: number; // offset of the batch's last record
}

export class WatermarkConflict extends Error {
  constructor(readonly position: SourcePosition, readonly actual: number) {
    super(`watermark of ${position.log}/${position.partition} is ${actual}, expected ${position.expected}`);
    this.name = 'WatermarkConflict';
  }
}

// ---------------------------------------------------------------- store

/** One customer's live state as the store holds it. */
export interface CustomerState {
  profile: Profile | null;
  pairs: Map<number, ListenPair>; // by track id: every pair this customer has, none missing
  recent: PlayEvent[]; // the kept plays, newest first
}

/** What the pipeline asks of the store for one batch. */
export interface BatchStateRequest {
  /** Customers whose whole state (profile, every pair, recent plays) is read; others the pipeline holds already. */
  customers: number[];
  /** Customers to check against the targeted set. */
  targeting: number[];
  /** Days whose ad decisions matter (for the targeted among `targeting`). */
  days: string[];
}

/** State the pipeline needs to process one batch, read in one round trip. */
export interface BatchState {
  watermark: number;
  customers: Map<number, CustomerState>; // each of request.customers
  targeted: Set<number>; // of request.targeting, the customers the deployed model targets
  decided: Set<string>; // `${customerId}:${day}` (smsId) of the targeted that have an ad decision that day
}

export interface AdDecision {
  customerId: number;
  day: string; // YYYY-MM-DD of the event that triggered it
  eventId: number;
  at: number;
}

export interface SmsMessage {
  id: string; // `${customerId}:${day}`: one a customer a day
  customerId: number;
  day: string;
  text: string;
  at: number;
}

/** Plays kept per customer for the drill-down, newest by event time. */
export const RECENT_PLAYS_KEPT = 20;

/**
 * Counters the stream moves; a store keeps each as a running total. (Ad decisions are counted by the store as it
 * adds them: a decision recorded outside the log can take a customer's day between a batch's read and its write.)
 */
export type StoreCounter = 'eventsProcessed' | 'deadLetters';

/**
 * The store's writes: a small fixed set of operations the pipeline computes once (every rule -- recent plays
 * capping, profile and pair state, interest detection, once-a-day ads -- lives in src/lib/pipeline/); an adapter
 * only stores them. Grouped by operation, each a list of records of one shape (a batch holds thousands).
 */
export interface StoreWrites {
  /** Each record's new absolute value: replaces what is stored under its id (customer; customer and track). */
  set: { profiles: Profile[]; pairs: ListenPair[] };
  /** Each customer's whole list of kept plays, already ordered and capped: replaces the stored list (kept with the profile). */
  cappedList: { recentPlays: Array<{ customerId: number; items: PlayEvent[] }> };
  /** Kept once by id (customer and track; customer and day): adding one again changes nothing. */
  addToSet: { interests: Interest[]; adDecisions: AdDecision[] };
  /** Queued once by id, ever, however often enqueued. */
  enqueueOnce: { sms: SmsMessage[] };
  /** Added to running totals. */
  increment: Partial<Record<StoreCounter, number>>;
}

/** One atomic step: the writes and the watermark they move from `position.expected` to `position.next`. */
export interface StoreBatch {
  position: SourcePosition;
  writes: StoreWrites;
}

export interface Prediction {
  customerId: number;
  probability: number;
  label: 0 | 1;
  modelVersion: number;
}

/** What the offer check at an access reads, all at once (one statement, one round trip). */
export interface OfferFacts {
  /** The customer's record now (null: no such customer): an upgrade or a closed account since scoring counts. */
  customer: Pick<Customer, 'active' | 'level'> | null;
  prediction: Prediction | null;
  /** Whether a model is deployed (tells "not scored" from "nothing deployed" when there is no prediction). */
  modelDeployed: boolean;
}

export interface ModelRecord {
  version: number;
  createdAt: number;
  deployed: boolean;
  deployedAt: number | null;
  /** Opaque to the store: weights, scaler, feature list, metrics, data window. */
  body: Record<string, unknown>;
}

export interface StoreCounts {
  customers: number;
  tracks: number;
  profiles: number;
  interests: number;
  eligibleCustomers: number; // active and below Gold
  targetedCustomers: number;
  adDecisions: number;
  smsQueued: number;
  eventsProcessed: number;
  /** Records the stream rejected, once per log offset (eventsProcessed + streamDeadLetters = records consumed). */
  streamDeadLetters: number;
  clicks: number;
}

/** The seeded catalogue: customers, tracks and ad clicks (`seed` writes it; enrichment and training read it). */
export interface CatalogStore {
  upsertCustomers(customers: Customer[]): Promise<void>;
  upsertTracks(tracks: Track[]): Promise<void>;
  addClicks(clicks: Click[]): Promise<void>;
  getCustomers(ids: number[]): Promise<Map<number, Customer>>;
  getTracks(ids: number[]): Promise<Map<number, Track>>;
  clicksOf(customerIds: number[]): Promise<Click[]>;
  allClicks(): Promise<Click[]>;
}

/** Per-customer state the stream keeps (profiles, listen pairs, recent plays, interests), and its readers. */
export interface LiveState {
  /**
   * Reads the watermark first, then the state (or both in one snapshot): any write after the
   * watermark read moves the watermark, so applyBatch's compare-and-set catches stale state.
   */
  loadBatchState(log: string, partition: number, request: BatchStateRequest): Promise<BatchState>;
  /** Atomic: every write and the new watermark, or nothing (throws WatermarkConflict). One transaction, one script. */
  applyBatch(batch: StoreBatch): Promise<void>;
  getProfile(customerId: number): Promise<Profile | null>;
  /** A customer's latest plays by event time, newest first (at most RECENT_PLAYS_KEPT are kept). */
  recentPlays(customerId: number, limit: number): Promise<PlayEvent[]>;
  listProfiles(afterCustomerId: number, limit: number): Promise<Profile[]>;
  interestsOf(customerId: number): Promise<Interest[]>;
  recentInterests(limit: number): Promise<Interest[]>;
}

/** Trained models, the deployed one's predictions and targeted set, and the ad decisions it led to. */
export interface ModelRegistry {
  saveModel(body: Record<string, unknown>): Promise<ModelRecord>;
  listModels(): Promise<ModelRecord[]>;
  getModel(version: number): Promise<ModelRecord | null>;
  /** Marks one version deployed and replaces predictions and the targeted set, atomically. */
  deployModel(version: number, predictions: Prediction[], targeted: number[]): Promise<void>;
  deployedModel(): Promise<ModelRecord | null>;
  prediction(customerId: number): Promise<Prediction | null>;
  isTargeted(customerId: number): Promise<boolean>;
  /** getCustomers, prediction and whether deployedModel is not null, for one customer, read together: the offer API's read. */
  offerFacts(customerId: number): Promise<OfferFacts>;
  adDecisionsOf(customerId: number): Promise<AdDecision[]>;
  /**
   * An offer shown at an access outside the log (the offer API): its decision and SMS, atomically, unless the
   * customer has a decision that day already (from a play or an earlier access). True when recorded. Only a
   * customer with a live profile has a place for it (Redis keeps live state under the customer's log partition);
   * nobody else is ever targeted, since scoring needs a profile, so for them nothing is recorded.
   */
  recordOffer(decision: AdDecision, sms: SmsMessage): Promise<boolean>;
}

/** A claimed SMS not acknowledged within this time goes back to the queue (its sender died) unless the caller says otherwise. */
export const SMS_CLAIM_TIMEOUT_MS = 60_000;

/** Why a message can never be sent (the provider's answer, or the sender's reason). */
export interface SmsFailure {
  id: string;
  reason: string;
}

/** A message on the SMS dead-letter list. */
export interface FailedSms {
  message: SmsMessage;
  reason: string;
  failedAt: number;
}

/**
 * The queue as a whole: every message ever queued is sent, failed (on the dead-letter list) or pending (queued or
 * claimed), so pending = queued - sent - failed. `retried` counts the tries after a timeout, 429 or 5xx.
 */
export interface SmsQueueStats {
  queued: number;
  sent: number;
  failed: number;
  pending: number;
  retried: number;
  /** When the oldest pending message was queued (or requeued), epoch ms; null when none is pending. */
  oldestPendingAt: number | null;
}

/**
 * SMS queue: the stream enqueues each message once (see StoreWrites); a sender claims, sends, then acknowledges.
 * A message stays with the sender that claimed it for `claimTimeoutMs`; after that any sender may claim it again
 * (the one that had it died). Acknowledging, failing or releasing a message that is no longer claimed changes nothing.
 */
export interface SmsQueue {
  claimSms(consumer: string, limit: number, claimTimeoutMs?: number): Promise<SmsMessage[]>;
  /** The provider accepted these: never handed out again. */
  ackSms(ids: string[]): Promise<void>;
  /** These can never be sent: onto the dead-letter list with the reason. Resolves how many were still claimed and moved. */
  failSms(failures: SmsFailure[], at: number): Promise<number>;
  /** Back to the queue at once, for any sender (a sender shutting down before it could send them). */
  releaseSms(ids: string[]): Promise<void>;
  /** The dead-letter list, oldest failure first. */
  failedSms(limit: number): Promise<FailedSms[]>;
  /** Back from the dead-letter list into the queue, as the same message (same id): the given ids, or all. Resolves how many. */
  requeueFailedSms(ids: string[] | 'all'): Promise<number>;
  /** Adds to the running count of retried tries (`retried` in smsStats). */
  countSmsRetries(tries: number): Promise<void>;
  smsStats(): Promise<SmsQueueStats>;
}

/** What each backend reports of itself: counts and health stay per backend, over all its concepts. */
export interface StoreStatus {
  counts(): Promise<StoreCounts>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

/** A store backend: every concept over one storage. Callers take the narrowest of the interfaces above. */
export interface Store extends CatalogStore, LiveState, ModelRegistry, SmsQueue, StoreStatus {}

// ---------------------------------------------------------------- index

export type Grain = 'minute' | 'hour' | 'day';
/** 'all' is the plain count (minute and hour grain); people dims by hour; catalogue and zip dims by day. */
export type Dimension = 'all' | 'state' | 'gender' | 'age_band' | 'level' | 'campaign' | 'track' | 'artist' | 'zip';
export const DIMENSION_GRAIN: Record<Exclude<Dimension, 'all'>, Grain> = {
  state: 'hour', gender: 'hour', age_band: 'hour', level: 'hour', campaign: 'hour', track: 'day', artist: 'day', zip: 'day',
};

/** The index keeps whatever it derives from the plays (aggregates, facets) in the same atomic step. */
export interface IndexEffects {
  position: SourcePosition;
  plays: EnrichedPlay[];
  /** Each play's log offset (same order): an index that keeps a document per play names it by its position. */
  offsets: number[];
}

/** What the store is about to hold of one step: an index that keeps these as documents too takes them first. */
export interface Decisions {
  interests: DetectedInterest[];
  adDecisions: AdDecision[];
}

export interface IndexFilter {
  from?: number;
  to?: number;
  mobile?: boolean;
  level?: number;
  state?: string;
}

export interface SeriesPoint { bucket: number; plays: number; mobilePlays: number }
export interface BreakdownRow { value: string; plays: number; mobilePlays: number }

export interface Index {
  watermark(log: string, partition: number): Promise<number>;
  applyEffects(effects: IndexEffects): Promise<void>;
  /**
   * For an index that keeps interests and ad decisions as documents (Elasticsearch): called before the store
   * applies them, with ids derived from what they are, so a step that is retried or redelivered adds nothing.
   * Indexes without such documents leave it out: the store is where the pipeline reads them back.
   */
  recordDecisions?(decisions: Decisions): Promise<void>;
  totals(filter: IndexFilter): Promise<{ plays: number; mobilePlays: number; first: number | null; last: number | null }>;
  series(filter: IndexFilter, grain: Grain): Promise<SeriesPoint[]>;
  breakdown(filter: IndexFilter, dim: Dimension, limit: number): Promise<BreakdownRow[]>;
  customersInState(state: string, filter: IndexFilter, limit: number): Promise<Array<{ customerId: number; plays: number }>>;
  health(): Promise<Health>;
  close(): Promise<void>;
}

/** Maintenance of an index that has templates, aliases and rollover (Elasticsearch). */
export interface IndexAdmin {
  /** Creates or updates templates, aliases and indices; safe to run again. */
  setup(): Promise<Array<{ kind: string; template: 'created' | 'updated' | null; alias: string; index: string; created: boolean }>>;
  /** Rolls each alias over when its write index is past the configured age or size (always, with force). */
  rollover(force: boolean): Promise<Array<{ alias: string; rolledOver: boolean; oldIndex: string; newIndex: string; conditions: Record<string, boolean> }>>;
  close(): Promise<void>;
}

export function pairKey(customerId: number, trackId: number): string {
  return `${customerId}:${trackId}`;
}
