// Opening the embedded SQLite files: WAL so `replay` can write while `stream` reads, and a busy
// timeout so two processes take turns instead of failing. Every failure that is about the file itself
// (damaged, unwritable, disk full) leaves here as a named error that says which file and what to do.
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Health } from '../../ports.js';
import { DamagedFileError, UnwritableFileError } from '../../errors.js';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The statement for a fixed SQL text, prepared once per connection: the pipeline runs the same few dozen each
 * batch, and preparing one costs more than running it. (SQL built from a filter is prepared where it is built.)
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(sql);
  if (!statement) cache.set(sql, (statement = db.prepare(sql)));
  return statement;
}

/** One of the data dir's files, and what to do when it turns out damaged (what it held, how to get that back). */
export interface EmbeddedFile {
  path: string;
  whenDamaged: string;
}

export interface OpenOptions {
  /** Nothing will be written: open an existing file read-only, without schema changes (works on a read-only data dir). */
  readOnly?: boolean;
}

const BUSY_TIMEOUT_MS = 15_000;

export function openDatabase(file: EmbeddedFile, schema: string, options: OpenOptions = {}): Db {
  try {
    // A file not made yet is made as by any other command, so the dashboard sees what later runs write.
    return options.readOnly && existsSync(file.path) ? openForReading(file.path) : openForWriting(file.path, schema);
  } catch (err) {
    throw explainFileError(err, file);
  }
}

function openForWriting(path: string, schema: string): Db {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL: a committed transaction survives a process crash (what stream's offsets rely on),
    // only an OS crash or power loss can roll back the last moments.
    db.pragma('synchronous = NORMAL');
    db.pragma('cache_size = -65536');
    db.exec(schema);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function openForReading(path: string): Db {
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get(); // the first read: where WAL needs its -shm file
    return db;
  } catch (err) {
    db.close();
    if (!CANNOT_MAKE_SHM.has((err as { code?: string }).code ?? '')) throw err;
    return openCopyInMemory(path);
  }
}

/** A reader of a WAL database makes `<file>-shm` beside it when no writer has; in a folder it cannot write, it cannot. */
const CANNOT_MAKE_SHM = new Set(['SQLITE_READONLY_DIRECTORY', 'SQLITE_READONLY_CANTINIT', 'SQLITE_CANTOPEN']);

/**
 * Reads the file into memory and opens that copy: what SQLite offers for a WAL database in a folder nobody
 * writing can share memory through (better-sqlite3 has no `immutable` URIs). The copy does not see later
 * writes, which need a writable folder anyway, so a long-running reader (the dashboard) is current unless a
 * writer with other rights starts after it.
 */
function openCopyInMemory(path: string): Db {
  const wal = `${path}-wal`;
  if (existsSync(wal) && statSync(wal).size > 0) {
    throw new UnwritableFileError(`${path}-shm`, 'a reader needs it to read the write-ahead log beside the file',
      `make ${dirname(path)} writable for this user, or run a command that writes (e.g. \`musicflow stream --until-idle\`) there first to fold the log into the file`);
  }
  const image = readFileSync(path);
  image[18] = image[19] = 1; // header: rollback journal, as SQLite opens no in-memory database in WAL mode
  return new Database(image, { readonly: true });
}

/** The errno codes a file system gives for a path this process may not write. */
const NOT_ALLOWED: Record<string, string> = { EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system' };

/** SQLite's and the file system's failures about the file itself, as the error that says what to do; others unchanged. */
export function explainFileError(err: unknown, file: EmbeddedFile): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== 'string') return err;
  const detail = (err as Error).message;
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return new DamagedFileError(file.path, detail, file.whenDamaged);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new UnwritableFileError(file.path, `the disk is full: ${code === 'ENOSPC' ? 'no space left on device' : detail}`,
      'free space on that disk, or name a folder on another one with --data-dir; the step that failed was rolled back, so running the command again is safe');
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code in NOT_ALLOWED) {
    return new UnwritableFileError(file.path, NOT_ALLOWED[code] ?? detail,
      `make ${nearestExisting(dirname(file.path))} and the files in it writable for this user, or name another folder with --data-dir`);
  }
  return err;
}

/** The folder itself, or the one a data dir not made yet would be made in. */
function nearestExisting(folder: string): string {
  return existsSync(folder) || dirname(folder) === folder ? folder : nearestExisting(dirname(folder));
}

/**
 * The adapter with SQLite's failures from every method passed through explainFileError, thrown or rejected: one
 * place for the whole adapter, as any query can be the first to meet a damaged page or a full disk. Other errors
 * (a callback's, another adapter's) pass unchanged: they are not about this file.
 */
export function explainingFileErrors<T extends object>(adapter: T, file: EmbeddedFile): T {
  const explain = (err: unknown) => (err instanceof Database.SqliteError ? explainFileError(err, file) : err);
  // One wrapper per method, made at its first call: the offer API calls a few methods thousands of times a second.
  const wrappers = new Map<PropertyKey, { of: unknown; wrapper: (...args: unknown[]) => unknown }>();
  return new Proxy(adapter, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const made = wrappers.get(key);
      if (made?.of === value) return made.wrapper;
      const wrapper = (...args: unknown[]) => {
        try {
          const result = value.apply(target, args);
          return result instanceof Promise ? result.catch((err: unknown) => { throw explain(err); }) : result;
        } catch (err) {
          throw explain(err);
        }
      };
      wrappers.set(key, { of: value, wrapper });
      return wrapper;
    },
  });
}

/** Rows of `SELECT ... WHERE x IN (SELECT value FROM json_each(?))`: one statement for any number of ids. */
export function jsonList(ids: readonly (number | string)[]): string {
  return JSON.stringify(ids);
}

export function sqliteHealth(backend: string, file: EmbeddedFile, db: Db, facts: Record<string, unknown>): Health {
  try {
    db.prepare('SELECT 1').get();
    const mode = db.memory ? ' (read-only copy in memory: the folder cannot be written)' : db.readonly ? ' (read-only)' : '';
    return { backend, ok: true, detail: `${file.path}${mode}`, facts };
  } catch (err) {
    return { backend, ok: false, detail: (err as Error).message };
  }
}

/**
 * Columns a later version added to a table: added to a file made before (SQLite's CREATE TABLE IF NOT EXISTS leaves
 * an existing table as it is). A file opened read-only is left alone; its readers check with hasColumn.
 */
export function addMissingColumns(db: Db, table: string, columns: Record<string, string>): void {
  if (db.readonly) return;
  for (const [name, type] of Object.entries(columns)) {
    if (!hasColumn(db, table, name)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
  }
}

export function hasColumn(db: Db, table: string, column: string): boolean {
  return (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).includes(column);
}

/** Watermark table shared by the store and the index: the last offset applied per log partition. */
export const WATERMARK_SCHEMA = `
CREATE TABLE IF NOT EXISTS watermarks (log TEXT NOT NULL, partition INTEGER NOT NULL, applied INTEGER NOT NULL, PRIMARY KEY (log, partition)) WITHOUT ROWID;`;

export function readWatermark(db: Db, log: string, partition: number): number {
  const row = prepared(db, 'SELECT applied FROM watermarks WHERE log = ? AND partition = ?').get(log, partition) as { applied: number } | undefined;
  return row ? row.applied : -1;
}

export function writeWatermark(db: Db, log: string, partition: number, applied: number): void {
  prepared(db, 'INSERT INTO watermarks (log, partition, applied) VALUES (?, ?, ?) ON CONFLICT (log, partition) DO UPDATE SET applied = excluded.applied')
    .run(log, partition, applied);
}
