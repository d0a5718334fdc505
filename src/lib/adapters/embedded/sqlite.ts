// Opening the embedded SQLite files: WAL so `replay` can write while `stream` reads, and a busy
// timeout so two processes take turns instead of failing.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Health } from '../../ports.js';
import { BackendUnavailableError } from '../../errors.js';

export type Db = Database.Database;

export function openDatabase(file: string, schema: string): Db {
  mkdirSync(dirname(file), { recursive: true });
  let db: Db;
  try {
    db = new Database(file, { timeout: 15_000 });
  } catch (err) {
    throw new BackendUnavailableError(`embedded file ${file}`, (err as Error).message);
  }
  db.pragma('journal_mode = WAL');
  // NORMAL: a committed transaction survives a process crash (what stream's offsets rely on),
  // only an OS crash or power loss can roll back the last moments.
  db.pragma('synchronous = NORMAL');
  db.pragma('cache_size = -65536');
  db.exec(schema);
  return db;
}

/** Rows of `SELECT ... WHERE x IN (SELECT value FROM json_each(?))`: one statement for any number of ids. */
export function jsonList(ids: readonly (number | string)[]): string {
  return JSON.stringify(ids);
}

export function sqliteHealth(backend: string, db: Db, facts: Record<string, unknown>): Health {
  try {
    db.prepare('SELECT 1').get();
    return { backend, ok: true, detail: db.name, facts };
  } catch (err) {
    return { backend, ok: false, detail: (err as Error).message };
  }
}

/** Watermark table shared by the store and the index: the last offset applied per log partition. */
export const WATERMARK_SCHEMA = `
CREATE TABLE IF NOT EXISTS watermarks (log TEXT NOT NULL, partition INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY (log, partition)) WITHOUT ROWID;`;

export function readWatermark(db: Db, log: string, partition: number): number {
  const row = db.prepare('SELECT applied FROM watermarks WHERE log = ? AND partition = ?').get(log, partition) as { applied: number } | undefined;
  return row ? row.applied : -1;
}

export function writeWatermark(db: Db, log: string, partition: number, applied: number): void {
  db.prepare('INSERT INTO watermarks (log, partition, applied) VALUES (?, ?, ?) ON CONFLICT (log, partition) DO UPDATE SET applied = excluded.applied')
    .run(log, partition, applied);
}
