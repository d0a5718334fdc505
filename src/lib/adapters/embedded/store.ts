// The embedded store: customers, tracks, clicks, live state, models, predictions and the SMS queue
// in one SQLite file. applyBatch is one transaction guarded by the partition's watermark.
import type { Transaction } from 'better-sqlite3';
import { join } from 'node:path';
import {
  WatermarkConflict,
  type AdDecision, type BatchState, type BatchStateRequest, type CustomerState, type Health, type ModelRecord, type OfferFacts, type Prediction,
  SMS_CLAIM_TIMEOUT_MS, type FailedSms, type SmsFailure, type SmsMessage, type SmsQueueStats, type Store, type StoreBatch, type StoreCounter, type StoreCounts,
} from '../../ports.js';
import type { Click, Customer, Interest, ListenPair, PlayEvent, Profile, Track } from '../../records.js';
import { decodeRecentPlays, encodeRecentPlays } from '../recent-plays.js';
import {
  WATERMARK_SCHEMA, addMissingColumns, explainingFileErrors, hasColumn, jsonList, openDatabase, prepared, readWatermark, sqliteHealth, writeWatermark,
  type Db, type EmbeddedFile, type OpenOptions,
} from './sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS customers (id INTEGER PRIMARY KEY, name TEXT, gender TEXT, address TEXT, zip TEXT, sign_date TEXT,
  active INTEGER, level INTEGER, campaign INTEGER, linked INTEGER, age INTEGER, age_source TEXT);
CREATE TABLE IF NOT EXISTS tracks (id INTEGER PRIMARY KEY, title TEXT, artist TEXT, length_sec INTEGER);
CREATE TABLE IF NOT EXISTS clicks (event_id INTEGER PRIMARY KEY, customer_id INTEGER, ad TEXT, time INTEGER);
CREATE INDEX IF NOT EXISTS clicks_customer ON clicks (customer_id);
CREATE TABLE IF NOT EXISTS profiles (customer_id INTEGER PRIMARY KEY, plays INTEGER, mobile_plays INTEGER, morning INTEGER,
  afternoon INTEGER, evening INTEGER, night INTEGER, unique_tracks INTEGER, first_seen INTEGER, last_seen INTEGER,
  recent TEXT); -- the latest plays, newest first: "event_id,track_id,time,mobile,zip;..."
CREATE TABLE IF NOT EXISTS pairs (customer_id INTEGER, track_id INTEGER, plays INTEGER, recent TEXT, interest_at INTEGER,
  PRIMARY KEY (customer_id, track_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS interests (customer_id INTEGER, track_id INTEGER, detected_at INTEGER, PRIMARY KEY (customer_id, track_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interests_recent ON interests (detected_at);
CREATE TABLE IF NOT EXISTS models (version INTEGER PRIMARY KEY, created_at INTEGER, deployed INTEGER DEFAULT 0, deployed_at INTEGER, body TEXT);
CREATE TABLE IF NOT EXISTS predictions (customer_id INTEGER PRIMARY KEY, probability REAL, label INTEGER, model_version INTEGER);
CREATE TABLE IF NOT EXISTS targets (customer_id INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS ad_decisions (customer_id INTEGER, day TEXT, event_id INTEGER, at INTEGER, PRIMARY KEY (customer_id, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sms (id TEXT PRIMARY KEY, customer_id INTEGER, day TEXT, text TEXT, at INTEGER,
  state TEXT DEFAULT 'queued', claimed_by TEXT, claimed_at INTEGER);
CREATE INDEX IF NOT EXISTS sms_state ON sms (state);
CREATE INDEX IF NOT EXISTS sms_claim_order ON sms (state, at, id);
CREATE TABLE IF NOT EXISTS sms_failed (id TEXT PRIMARY KEY, reason TEXT, failed_at INTEGER);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
${WATERMARK_SCHEMA}`;

/** Added after the first release (addMissingColumns): the customer's phone, and when an SMS was queued (or requeued). */
const LATER_COLUMNS = { customers: { phone: 'TEXT' }, sms: { queued_at: 'INTEGER' } };
/** The writers that queue an SMS name only its message's fields; the wall-clock time it was queued is set here. */
const SMS_QUEUED_AT = `CREATE TRIGGER IF NOT EXISTS sms_queued_at AFTER INSERT ON sms WHEN NEW.queued_at IS NULL
  BEGIN UPDATE sms SET queued_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE id = NEW.id; END;`;
const SMS_COUNTER = 'sms_retried';

/** Rows of the counters table. */
const COUNTER_NAMES: Record<StoreCounter, string> = { eventsProcessed: 'events_processed', deadLetters: 'dead_letters' };

interface CustomerRow { id: number; name: string; gender: string; address: string; zip: string; sign_date: string; active: number; level: number; campaign: number; linked: number; age: number; age_source: string; phone?: string | null }
interface ProfileRow { customer_id: number; plays: number; mobile_plays: number; morning: number; afternoon: number; evening: number; night: number; unique_tracks: number; first_seen: number; last_seen: number; recent: string | null }
interface PairRow { customer_id: number; track_id: number; plays: number; recent: string; interest_at: number | null }
interface SmsRow { id: string; customer_id: number; day: string; text: string; at: number }
interface ModelRow { version: number; created_at: number; deployed: number; deployed_at: number | null; body: string }

const toCustomer = (r: CustomerRow): Customer => ({
  id: r.id, name: r.name, gender: r.gender as Customer['gender'], address: r.address, zip: r.zip, signDate: r.sign_date,
  active: r.active === 1, level: r.level as Customer['level'], campaign: r.campaign as Customer['campaign'],
  linkedWithApps: r.linked === 1, age: r.age, ageSource: r.age_source as Customer['ageSource'], ...(r.phone ? { phone: r.phone } : {}),
});
const toProfile = (r: ProfileRow): Profile => ({
  customerId: r.customer_id, plays: r.plays, mobilePlays: r.mobile_plays, morning: r.morning, afternoon: r.afternoon,
  evening: r.evening, night: r.night, uniqueTracks: r.unique_tracks, firstSeen: r.first_seen, lastSeen: r.last_seen,
});

const toPair = (r: PairRow): ListenPair => ({
  customerId: r.customer_id, trackId: r.track_id, plays: r.plays,
  recent: r.recent ? r.recent.split(',').map(Number) : [], interestAt: r.interest_at,
});
const toSms = (r: SmsRow): SmsMessage => ({ id: r.id, customerId: r.customer_id, day: r.day, text: r.text, at: r.at });
const toModel = (r: ModelRow): ModelRecord => ({
  version: r.version, createdAt: r.created_at, deployed: r.deployed === 1, deployedAt: r.deployed_at, body: JSON.parse(r.body),
});

export class EmbeddedStore implements Store {
  private readonly file: EmbeddedFile;
  private readonly db: Db;
  private readonly recordOfferOnce: Transaction<(decision: AdDecision, sms: SmsMessage) => boolean>;

  constructor(dataDir: string, options: OpenOptions = {}) {
    this.file = {
      path: join(dataDir, 'state.db'),
      whenDamaged: 'it holds the seeded customers, tracks and clicks, the live profiles and interests, the models and the SMS queue: restore it from a backup; '
        + 'otherwise move it aside and rebuild it: `musicflow seed` the customer, music and click files again, `musicflow stream --from-beginning`, '
        + '`musicflow train` (earlier model versions and the record of SMS already sent are lost)',
    };
    this.db = openDatabase(this.file, SCHEMA, options);
    for (const [table, columns] of Object.entries(LATER_COLUMNS)) addMissingColumns(this.db, table, columns);
    if (!this.db.readonly) this.db.exec(SMS_QUEUED_AT);
    this.recordOfferOnce = this.recordOfferTransaction();
    return explainingFileErrors(this, this.file);
  }

  async upsertCustomers(customers: Customer[]): Promise<void> {
    const upsert = prepared(this.db, `INSERT OR REPLACE INTO customers (id, name, gender, address, zip, sign_date, active, level, campaign, linked, age, age_source, phone)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const c of customers) {
        upsert.run(c.id, c.name, c.gender, c.address, c.zip, c.signDate, c.active ? 1 : 0, c.level, c.campaign, c.linkedWithApps ? 1 : 0, c.age, c.ageSource, c.phone ?? null);
      }
    }).immediate();
  }

  async upsertTracks(tracks: Track[]): Promise<void> {
    const upsert = prepared(this.db, 'INSERT OR REPLACE INTO tracks (id, title, artist, length_sec) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const t of tracks) upsert.run(t.id, t.title, t.artist, t.lengthSec);
    }).immediate();
  }

  async addClicks(clicks: Click[]): Promise<void> {
    const upsert = prepared(this.db, 'INSERT OR REPLACE INTO clicks (event_id, customer_id, ad, time) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const c of clicks) upsert.run(c.eventId, c.customerId, c.ad, c.time);
    }).immediate();
  }

  async getCustomers(ids: number[]): Promise<Map<number, Customer>> {
    if (ids.length === 1) { // an access's one customer: a point read
      const row = prepared(this.db, 'SELECT * FROM customers WHERE id = ?').get(ids[0]) as CustomerRow | undefined;
      return row ? new Map([[row.id, toCustomer(row)]]) : new Map();
    }
    const rows = prepared(this.db, 'SELECT * FROM customers WHERE id IN (SELECT value FROM json_each(?))').all(jsonList(ids)) as CustomerRow[];
    return new Map(rows.map((r) => [r.id, toCustomer(r)]));
  }

  async getTracks(ids: number[]): Promise<Map<number, Track>> {
    const rows = prepared(this.db, 'SELECT * FROM tracks WHERE id IN (SELECT value FROM json_each(?))').all(jsonList(ids)) as Array<{ id: number; title: string; artist: string; length_sec: number }>;
    return new Map(rows.map((r) => [r.id, { id: r.id, title: r.title, artist: r.artist, lengthSec: r.length_sec }]));
  }

  async loadBatchState(log: string, partition: number, request: BatchStateRequest): Promise<BatchState> {
    const targeting = jsonList(request.targeting);
    // One read transaction: a consistent snapshot of the watermark and the state it belongs to.
    return this.db.transaction(() => {
      const watermark = readWatermark(this.db, log, partition);
      const customers = new Map(request.customers.map((id) => [id, this.customerState(id)]));
      const targeted = prepared(this.db, 'SELECT customer_id FROM targets WHERE customer_id IN (SELECT value FROM json_each(?))').pluck().all(targeting) as number[];
      const decided = prepared(this.db, `SELECT customer_id || ':' || day FROM ad_decisions
        WHERE customer_id IN (SELECT customer_id FROM targets WHERE customer_id IN (SELECT value FROM json_each(?)))
        AND day IN (SELECT value FROM json_each(?))`).pluck().all(targeting, jsonList(request.days)) as string[];
      return { watermark, customers, targeted: new Set(targeted), decided: new Set(decided) };
    }).deferred();
  }

  private customerState(customerId: number): CustomerState {
    const profile = prepared(this.db, 'SELECT * FROM profiles WHERE customer_id = ?').get(customerId) as ProfileRow | undefined;
    const pairRows = prepared(this.db, 'SELECT * FROM pairs WHERE customer_id = ?').all(customerId) as PairRow[];
    return {
      profile: profile ? toProfile(profile) : null,
      pairs: new Map(pairRows.map((r) => [r.track_id, toPair(r)])),
      recent: decodeRecentPlays(customerId, profile?.recent),
    };
  }

  async applyBatch({ position, writes }: StoreBatch): Promise<void> {
    const upsertProfile = prepared(this.db, `INSERT INTO profiles (customer_id, plays, mobile_plays, morning, afternoon, evening, night, unique_tracks, first_seen, last_seen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id) DO UPDATE SET plays = excluded.plays, mobile_plays = excluded.mobile_plays,
      morning = excluded.morning, afternoon = excluded.afternoon, evening = excluded.evening, night = excluded.night,
      unique_tracks = excluded.unique_tracks, first_seen = excluded.first_seen, last_seen = excluded.last_seen`);
    const setRecent = prepared(this.db, 'UPDATE profiles SET recent = ? WHERE customer_id = ?');
    const upsertPair = prepared(this.db, 'INSERT OR REPLACE INTO pairs (customer_id, track_id, plays, recent, interest_at) VALUES (?, ?, ?, ?, ?)');
    const addInterest = prepared(this.db, 'INSERT OR IGNORE INTO interests (customer_id, track_id, detected_at) VALUES (?, ?, ?)');
    const addDecision = prepared(this.db, 'INSERT OR IGNORE INTO ad_decisions (customer_id, day, event_id, at) VALUES (?, ?, ?, ?)');
    const addSms = prepared(this.db, 'INSERT OR IGNORE INTO sms (id, customer_id, day, text, at) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      const actual = readWatermark(this.db, position.log, position.partition);
      if (actual !== position.expected) throw new WatermarkConflict(position, actual);
      for (const p of writes.set.profiles) {
        upsertProfile.run(p.customerId, p.plays, p.mobilePlays, p.morning, p.afternoon, p.evening, p.night, p.uniqueTracks, p.firstSeen, p.lastSeen);
      }
      for (const l of writes.cappedList.recentPlays) setRecent.run(encodeRecentPlays(l.items), l.customerId);
      for (const p of writes.set.pairs) upsertPair.run(p.customerId, p.trackId, p.plays, p.recent.join(','), p.interestAt);
      for (const i of writes.addToSet.interests) addInterest.run(i.customerId, i.trackId, i.detectedAt);
      for (const d of writes.addToSet.adDecisions) addDecision.run(d.customerId, d.day, d.eventId, d.at);
      for (const m of writes.enqueueOnce.sms) addSms.run(m.id, m.customerId, m.day, m.text, m.at);
      for (const [name, by] of Object.entries(writes.increment) as Array<[StoreCounter, number]>) this.bump(COUNTER_NAMES[name], by);
      writeWatermark(this.db, position.log, position.partition, position.next);
    }).immediate();
  }

  async getProfile(customerId: number): Promise<Profile | null> {
    const row = prepared(this.db, 'SELECT * FROM profiles WHERE customer_id = ?').get(customerId) as ProfileRow | undefined;
    return row ? toProfile(row) : null;
  }

  async recentPlays(customerId: number, limit: number): Promise<PlayEvent[]> {
    const row = prepared(this.db, 'SELECT recent FROM profiles WHERE customer_id = ?').get(customerId) as { recent: string | null } | undefined;
    return decodeRecentPlays(customerId, row?.recent).slice(0, limit);
  }

  async listProfiles(afterCustomerId: number, limit: number): Promise<Profile[]> {
    return (prepared(this.db, 'SELECT * FROM profiles WHERE customer_id > ? ORDER BY customer_id LIMIT ?').all(afterCustomerId, limit) as ProfileRow[]).map(toProfile);
  }

  async interestsOf(customerId: number): Promise<Interest[]> {
    return this.interestRows('SELECT * FROM interests WHERE customer_id = ? ORDER BY detected_at', customerId);
  }

  async recentInterests(limit: number): Promise<Interest[]> {
    return this.interestRows('SELECT * FROM interests ORDER BY detected_at DESC, customer_id LIMIT ?', limit);
  }

  async clicksOf(customerIds: number[]): Promise<Click[]> {
    return this.clickRows('SELECT * FROM clicks WHERE customer_id IN (SELECT value FROM json_each(?)) ORDER BY event_id', jsonList(customerIds));
  }

  async allClicks(): Promise<Click[]> {
    return this.clickRows('SELECT * FROM clicks ORDER BY event_id');
  }

  async saveModel(body: Record<string, unknown>): Promise<ModelRecord> {
    const createdAt = Date.now();
    const info = prepared(this.db, 'INSERT INTO models (created_at, body) VALUES (?, ?)').run(createdAt, JSON.stringify(body));
    return { version: Number(info.lastInsertRowid), createdAt, deployed: false, deployedAt: null, body };
  }

  async listModels(): Promise<ModelRecord[]> {
    return (prepared(this.db, 'SELECT * FROM models ORDER BY version').all() as ModelRow[]).map(toModel);
  }

  async getModel(version: number): Promise<ModelRecord | null> {
    const row = prepared(this.db, 'SELECT * FROM models WHERE version = ?').get(version) as ModelRow | undefined;
    return row ? toModel(row) : null;
  }

  async deployModel(version: number, predictions: Prediction[], targeted: number[]): Promise<void> {
    const upsert = prepared(this.db, 'INSERT INTO predictions (customer_id, probability, label, model_version) VALUES (?, ?, ?, ?)');
    const target = prepared(this.db, 'INSERT INTO targets (customer_id) VALUES (?)');
    this.db.transaction(() => {
      prepared(this.db, 'UPDATE models SET deployed = 0').run();
      prepared(this.db, 'UPDATE models SET deployed = 1, deployed_at = ? WHERE version = ?').run(Date.now(), version);
      prepared(this.db, 'DELETE FROM predictions').run();
      prepared(this.db, 'DELETE FROM targets').run();
      for (const p of predictions) upsert.run(p.customerId, p.probability, p.label, p.modelVersion);
      for (const id of targeted) target.run(id);
    }).immediate();
  }

  async deployedModel(): Promise<ModelRecord | null> {
    const row = prepared(this.db, 'SELECT * FROM models WHERE deployed = 1').get() as ModelRow | undefined;
    return row ? toModel(row) : null;
  }

  async prediction(customerId: number): Promise<Prediction | null> {
    const row = prepared(this.db, 'SELECT * FROM predictions WHERE customer_id = ?').get(customerId) as
      { customer_id: number; probability: number; label: 0 | 1; model_version: number } | undefined;
    return row ? { customerId: row.customer_id, probability: row.probability, label: row.label, modelVersion: row.model_version } : null;
  }

  async offerFacts(customerId: number): Promise<OfferFacts> {
    const row = prepared(this.db, `SELECT c.active, c.level, p.probability, p.label, p.model_version,
      EXISTS (SELECT 1 FROM models WHERE deployed = 1) AS deployed
      FROM (SELECT ? AS id) AS asked LEFT JOIN customers c ON c.id = asked.id LEFT JOIN predictions p ON p.customer_id = asked.id`).get(customerId) as
      { active: number | null; level: number | null; probability: number | null; label: 0 | 1 | null; model_version: number | null; deployed: number };
    return {
      customer: row.active === null ? null : { active: row.active === 1, level: row.level as Customer['level'] },
      prediction: row.label === null ? null : { customerId, probability: row.probability!, label: row.label, modelVersion: row.model_version! },
      modelDeployed: row.deployed === 1,
    };
  }

  async isTargeted(customerId: number): Promise<boolean> {
    return prepared(this.db, 'SELECT 1 FROM targets WHERE customer_id = ?').get(customerId) !== undefined;
  }

  async recordOffer(decision: AdDecision, sms: SmsMessage): Promise<boolean> {
    return this.recordOfferOnce.immediate(decision, sms);
  }

  private recordOfferTransaction(): Transaction<(decision: AdDecision, sms: SmsMessage) => boolean> {
    return this.db.transaction((decision: AdDecision, sms: SmsMessage): boolean => {
      if (prepared(this.db, 'SELECT 1 FROM profiles WHERE customer_id = ?').get(decision.customerId) === undefined) return false;
      const added = prepared(this.db, 'INSERT OR IGNORE INTO ad_decisions (customer_id, day, event_id, at) VALUES (?, ?, ?, ?)')
        .run(decision.customerId, decision.day, decision.eventId, decision.at).changes === 1;
      if (added) prepared(this.db, 'INSERT OR IGNORE INTO sms (id, customer_id, day, text, at) VALUES (?, ?, ?, ?, ?)').run(sms.id, sms.customerId, sms.day, sms.text, sms.at);
      return added;
    });
  }

  async adDecisionsOf(customerId: number): Promise<AdDecision[]> {
    return (prepared(this.db, 'SELECT * FROM ad_decisions WHERE customer_id = ? ORDER BY day').all(customerId) as
      Array<{ customer_id: number; day: string; event_id: number; at: number }>)
      .map((r) => ({ customerId: r.customer_id, day: r.day, eventId: r.event_id, at: r.at }));
  }

  async claimSms(consumer: string, limit: number, claimTimeoutMs = SMS_CLAIM_TIMEOUT_MS): Promise<SmsMessage[]> {
    const now = Date.now();
    return this.db.transaction(() => {
      // Claims that ended first (their sender died), then the queue in order: two indexed reads, not a scan.
      const rows = prepared(this.db, `SELECT id, customer_id, day, text, at FROM sms WHERE state = 'claimed' AND claimed_at <= ? ORDER BY at, id LIMIT ?`)
        .all(now - claimTimeoutMs, limit) as SmsRow[];
      if (rows.length < limit) {
        rows.push(...prepared(this.db, `SELECT id, customer_id, day, text, at FROM sms WHERE state = 'queued' ORDER BY at, id LIMIT ?`).all(limit - rows.length) as SmsRow[]);
      }
      const claim = prepared(this.db, `UPDATE sms SET state = 'claimed', claimed_by = ?, claimed_at = ? WHERE id = ?`);
      for (const r of rows) claim.run(consumer, now, r.id);
      return rows.map(toSms);
    }).immediate();
  }

  async ackSms(ids: string[]): Promise<void> {
    prepared(this.db, `UPDATE sms SET state = 'sent' WHERE state = 'claimed' AND id IN (SELECT value FROM json_each(?))`).run(jsonList(ids));
  }

  async failSms(failures: SmsFailure[], at: number): Promise<number> {
    const fail = prepared(this.db, `UPDATE sms SET state = 'failed' WHERE state = 'claimed' AND id = ?`);
    const list = prepared(this.db, 'INSERT OR REPLACE INTO sms_failed (id, reason, failed_at) VALUES (?, ?, ?)');
    return this.db.transaction(() => {
      let moved = 0;
      for (const f of failures) {
        if (fail.run(f.id).changes === 0) continue;
        list.run(f.id, f.reason, at);
        moved += 1;
      }
      return moved;
    }).immediate();
  }

  async releaseSms(ids: string[]): Promise<void> {
    prepared(this.db, `UPDATE sms SET state = 'queued', claimed_by = NULL, claimed_at = NULL WHERE state = 'claimed' AND id IN (SELECT value FROM json_each(?))`)
      .run(jsonList(ids));
  }

  async failedSms(limit: number): Promise<FailedSms[]> {
    if (!this.hasFailedList()) return [];
    const rows = prepared(this.db, `SELECT s.id, s.customer_id, s.day, s.text, s.at, f.reason, f.failed_at FROM sms_failed f JOIN sms s ON s.id = f.id
      ORDER BY f.failed_at, f.id LIMIT ?`).all(limit) as Array<SmsRow & { reason: string; failed_at: number }>;
    return rows.map((r) => ({ message: toSms(r), reason: r.reason, failedAt: r.failed_at }));
  }

  async requeueFailedSms(ids: string[] | 'all'): Promise<number> {
    const chosen = ids === 'all' ? 'SELECT id FROM sms_failed' : 'SELECT id FROM sms_failed WHERE id IN (SELECT value FROM json_each(?))';
    const args = ids === 'all' ? [] : [jsonList(ids)];
    return this.db.transaction(() => {
      const moved = this.db.prepare(`UPDATE sms SET state = 'queued', claimed_by = NULL, claimed_at = NULL,
        queued_at = CAST(unixepoch('subsec') * 1000 AS INTEGER) WHERE state = 'failed' AND id IN (${chosen})`).run(...args).changes;
      this.db.prepare(`DELETE FROM sms_failed WHERE id IN (${chosen})`).run(...args);
      return moved;
    }).immediate();
  }

  async countSmsRetries(tries: number): Promise<void> {
    this.bump(SMS_COUNTER, tries);
  }

  async smsStats(): Promise<SmsQueueStats> {
    const byState = new Map(prepared(this.db, 'SELECT state, count(*) AS n FROM sms GROUP BY state').all()
      .map((r) => [(r as { state: string }).state, (r as { n: number }).n]));
    const queued = [...byState.values()].reduce((a, b) => a + b, 0);
    const queuedAt = hasColumn(this.db, 'sms', 'queued_at') ? 'coalesce(queued_at, at)' : 'at';
    const oldest = this.db.prepare(`SELECT min(${queuedAt}) FROM sms WHERE state IN ('queued', 'claimed')`).pluck().get() as number | null;
    const retried = prepared(this.db, 'SELECT value FROM counters WHERE name = ?').pluck().get(SMS_COUNTER) as number | undefined;
    return {
      queued, sent: byState.get('sent') ?? 0, failed: byState.get('failed') ?? 0,
      pending: (byState.get('queued') ?? 0) + (byState.get('claimed') ?? 0), retried: retried ?? 0, oldestPendingAt: oldest ?? null,
    };
  }

  /** A file last written before the dead-letter list existed, opened read-only, has none. */
  private hasFailedList(): boolean {
    return prepared(this.db, `SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sms_failed'`).get() !== undefined;
  }

  async counts(): Promise<StoreCounts> {
    const count = (sql: string) => (this.db.prepare(sql).pluck().get() as number) ?? 0;
    return {
      customers: count('SELECT count(*) FROM customers'),
      tracks: count('SELECT count(*) FROM tracks'),
      profiles: count('SELECT count(*) FROM profiles'),
      interests: count('SELECT count(*) FROM interests'),
      eligibleCustomers: count('SELECT count(*) FROM customers WHERE active = 1 AND level < 2'),
      targetedCustomers: count('SELECT count(*) FROM targets'),
      adDecisions: count('SELECT count(*) FROM ad_decisions'),
      smsQueued: count('SELECT count(*) FROM sms'),
      eventsProcessed: count(`SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'events_processed'`),
      streamDeadLetters: count(`SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'dead_letters'`),
      clicks: count('SELECT count(*) FROM clicks'),
    };
  }

  async health(): Promise<Health> {
    return sqliteHealth('embedded store', this.file, this.db, { customers: (await this.counts()).customers });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private bump(name: string, by: number): void {
    if (by === 0) return;
    prepared(this.db, 'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value').run(name, by);
  }

  private interestRows(sql: string, arg: number): Interest[] {
    return (this.db.prepare(sql).all(arg) as Array<{ customer_id: number; track_id: number; detected_at: number }>)
      .map((r) => ({ customerId: r.customer_id, trackId: r.track_id, detectedAt: r.detected_at }));
  }

  private clickRows(sql: string, ...args: unknown[]): Click[] {
    return (this.db.prepare(sql).all(...args) as Array<{ event_id: number; customer_id: number; ad: string; time: number }>)
      .map((r) => ({ eventId: r.event_id, customerId: r.customer_id, ad: r.ad, time: r.time }));
  }
}
