// The embedded event log: one partition in a SQLite file, consumer-group offsets beside it.
// `replay` appends in one process while `stream` consumes in another.
import { join } from 'node:path';
import type {
  ConsumeOptions, ConsumedRecord, DeadLetterCounts, EventLog, FileProgress, FileStep, Health, LogRecord, PartitionLag,
} from '../../ports.js';
import { deadLetterCounts } from '../../dead-letters.js';
import type { DeadLetter } from '../../records.js';
import { sleep } from '../../sleep.js';
import { explainingFileErrors, openDatabase, prepared, sqliteHealth, type Db, type EmbeddedFile, type OpenOptions } from './sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, key TEXT NOT NULL, value TEXT NOT NULL, source_id INTEGER, line INTEGER, appended_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sources (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS group_offsets (grp TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS file_positions (file_id TEXT PRIMARY KEY, line INTEGER NOT NULL, byte INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY, source TEXT, line INTEGER, reason TEXT, raw TEXT, stage TEXT, at INTEGER);
CREATE INDEX IF NOT EXISTS dead_letters_origin ON dead_letters (source, line, stage);`;

const POLL_MS = 50;
const IDLE_MS = 300;

interface EventRow { seq: number; key: string; value: string; path: string | null; line: number | null; appended_at: number }

/** Offsets start at 0 like Kafka's; SQLite rowids start at 1. */
const toOffset = (seq: number) => seq - 1;

export class EmbeddedEventLog implements EventLog {
  readonly name = 'embedded';
  private readonly file: EmbeddedFile;
  private readonly db: Db;
  private readonly sourceIds = new Map<string, number>();

  constructor(dataDir: string, options: OpenOptions = {}) {
    this.file = {
      path: join(dataDir, 'log.db'),
      // The store and the index keep their place in this log by offset, so a new log restarts them too.
      whenDamaged: 'it holds the plays as sent, how far each file was sent, the stream\'s offsets and the dead letters: restore it from a backup; '
        + 'otherwise move log.db, state.db and index.db aside and start over: `musicflow seed`, `musicflow replay --file` each listening file, `musicflow stream`, `musicflow train`',
    };
    this.db = openDatabase(this.file, SCHEMA, options);
    return explainingFileErrors(this, this.file);
  }

  async append(records: LogRecord[]): Promise<void> {
    this.db.transaction(() => this.insertRecords(records)).immediate();
  }

  async appendDeadLetters(letters: DeadLetter[]): Promise<void> {
    this.db.transaction(() => this.insertDeadLetters(letters)).immediate();
  }

  async appendFromFile(step: FileStep): Promise<void> {
    const savePosition = prepared(this.db, `INSERT INTO file_positions (file_id, line, byte) VALUES (?, ?, ?)
      ON CONFLICT (file_id) DO UPDATE SET line = excluded.line, byte = excluded.byte`);
    this.db.transaction(() => {
      this.insertRecords(step.records);
      this.insertDeadLetters(step.deadLetters);
      savePosition.run(step.fileId, step.to.line, step.to.byte);
    }).immediate();
  }

  async fileProgress(fileId: string): Promise<FileProgress | null> {
    const row = prepared(this.db, 'SELECT line, byte FROM file_positions WHERE file_id = ?').get(fileId) as { line: number; byte: number } | undefined;
    return row ? { position: row, alsoSent: new Set() } : null;
  }

  private insertRecords(records: LogRecord[]): void {
    const insert = prepared(this.db, 'INSERT INTO events (key, value, source_id, line, appended_at) VALUES (?, ?, ?, ?, ?)');
    const now = Date.now();
    for (const r of records) insert.run(r.key, r.value, r.source ? this.sourceId(r.source.file) : null, r.source?.line ?? null, now);
  }

  private insertDeadLetters(letters: DeadLetter[]): void {
    // Once per letter (deadLetterKey): seeding a file again, or a stream step a crash repeats, adds nothing.
    const insert = prepared(this.db, `INSERT INTO dead_letters (source, line, reason, raw, stage, at) SELECT ?, ?, ?, ?, ?, ?
      WHERE NOT EXISTS (SELECT 1 FROM dead_letters WHERE source = ? AND line IS ? AND stage = ? AND raw = ?)`);
    for (const l of letters) insert.run(l.source, l.line, l.reason, l.raw, l.stage, l.at, l.source, l.line, l.stage, l.raw);
  }

  async consume(options: ConsumeOptions): Promise<void> {
    if (options.fromBeginning) this.commit(options.group, 0);
    const read = prepared(this.db, `SELECT e.seq, e.key, e.value, s.path, e.line, e.appended_at FROM events e LEFT JOIN sources s ON s.id = e.source_id
      WHERE e.seq > ? ORDER BY e.seq LIMIT ?`);
    let idleSince: number | null = null;
    while (!options.signal.aborted) {
      const next = this.committed(options.group);
      const rows = read.all(next, options.maxBatch) as EventRow[];
      if (rows.length === 0) {
        options.onLag?.(await this.lag(options.group));
        idleSince ??= Date.now();
        if (options.untilIdle && Date.now() - idleSince >= IDLE_MS) return;
        await sleep(POLL_MS, options.signal);
        continue;
      }
      idleSince = null;
      const records: ConsumedRecord[] = rows.map((r) => ({
        key: r.key, value: r.value, partition: 0, offset: toOffset(r.seq), appendedAt: r.appended_at,
        source: r.path === null ? undefined : { file: r.path, line: r.line ?? 0 },
      }));
      await options.onBatch({ partition: 0, records });
      this.commit(options.group, rows[rows.length - 1].seq);
      options.onLag?.(await this.lag(options.group));
    }
  }

  async lag(group: string): Promise<PartitionLag[]> {
    const end = this.endSeq();
    const committed = this.committed(group);
    return [{ partition: 0, committed, end, lag: Math.max(0, end - committed) }];
  }

  async deadLetterCounts(): Promise<DeadLetterCounts> {
    return deadLetterCounts(prepared(this.db, 'SELECT stage, count(*) AS count FROM dead_letters GROUP BY stage').all() as Array<{ stage: DeadLetter['stage']; count: number }>);
  }

  async readDeadLetters(limit: number): Promise<DeadLetter[]> {
    return prepared(this.db, 'SELECT source, line, reason, raw, stage, at FROM dead_letters ORDER BY id LIMIT ?').all(limit) as DeadLetter[];
  }

  async health(): Promise<Health> {
    return sqliteHealth('embedded log', this.file, this.db, { partitions: 1, events: this.endSeq() });
  }

  async close(): Promise<void> {
    this.db.close();
  }

  /** Count of events in the log (the next offset to be written). */
  private endSeq(): number {
    return (prepared(this.db, 'SELECT coalesce(max(seq), 0) AS n FROM events').get() as { n: number }).n;
  }

  /** The group's committed position as the last consumed seq (0: nothing yet), i.e. the next offset. */
  private committed(group: string): number {
    const row = prepared(this.db, 'SELECT next FROM group_offsets WHERE grp = ?').get(group) as { next: number } | undefined;
    return row?.next ?? 0;
  }

  private commit(group: string, next: number): void {
    prepared(this.db, 'INSERT INTO group_offsets (grp, next) VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET next = excluded.next').run(group, next);
  }

  private sourceId(path: string): number {
    let id = this.sourceIds.get(path);
    if (id === undefined) {
      prepared(this.db, 'INSERT OR IGNORE INTO sources (path) VALUES (?)').run(path);
      id = (prepared(this.db, 'SELECT id FROM sources WHERE path = ?').get(path) as { id: number }).id;
      this.sourceIds.set(path, id);
    }
    return id;
  }
}
