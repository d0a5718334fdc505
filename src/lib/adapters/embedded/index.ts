// The embedded index: enriched plays and pre-merged aggregates in a SQLite file. Unfiltered
// dashboard queries read the aggregates; those filtered by device or level read the facets (the same
// cells split by mobile and level); those filtered by state read the plays through a covering index.
import { join } from 'node:path';
import {
  DIMENSION_GRAIN, WatermarkConflict,
  type BreakdownRow, type Dimension, type Grain, type Health, type Index, type IndexEffects, type IndexFilter,
  type SeriesPoint,
} from '../../ports.js';
import {
  CELLS, FACETS, UNKNOWN, countCells, dimensionValue, facetLevel, facetMobile, facetSelection, levelName, onlyTime,
} from '../../pipeline/aggregate.js';
import { GRAIN_MS } from '../../pipeline/time.js';
import {
  WATERMARK_SCHEMA, explainingFileErrors, openDatabase, prepared, readWatermark, sqliteHealth, writeWatermark,
  type Db, type EmbeddedFile, type OpenOptions,
} from './sqlite.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS plays (event_id INTEGER, customer_id INTEGER, track_id INTEGER, time INTEGER, mobile INTEGER,
  zip TEXT, state TEXT, city TEXT, title TEXT, artist TEXT, gender TEXT, age_band TEXT, level TEXT, campaign TEXT, flags TEXT);
CREATE INDEX IF NOT EXISTS plays_time ON plays (time);
CREATE TABLE IF NOT EXISTS aggregates (grain TEXT, dim TEXT, bucket INTEGER, value TEXT, plays INTEGER, mobile_plays INTEGER,
  PRIMARY KEY (grain, dim, bucket, value)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facets (grain TEXT, dim TEXT, mobile INTEGER, level TEXT, bucket INTEGER, value TEXT, plays INTEGER,
  PRIMARY KEY (grain, dim, mobile, level, bucket, value)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS plays_state_cover ON plays (state, time, mobile, level, customer_id, track_id, artist, zip, gender, age_band, campaign);
${WATERMARK_SCHEMA}`;

/** Index columns a filter or a breakdown can name. */
const PLAY_COLUMN: Record<Exclude<Dimension, 'all'>, string> = {
  state: 'state', gender: 'gender', age_band: 'age_band', level: 'level', campaign: 'campaign', track: 'track_id', artist: 'artist', zip: 'zip',
};

interface Where { sql: string; args: unknown[] }

function playsWhere(f: IndexFilter): Where {
  const parts: string[] = [];
  const args: unknown[] = [];
  if (f.from !== undefined) { parts.push('time >= ?'); args.push(f.from); }
  if (f.to !== undefined) { parts.push('time < ?'); args.push(f.to); }
  if (f.mobile !== undefined) { parts.push('mobile = ?'); args.push(f.mobile ? 1 : 0); }
  if (f.level !== undefined) { parts.push('level = ?'); args.push(levelName(f.level)); }
  if (f.state !== undefined) { parts.push('state = ?'); args.push(f.state); }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', args };
}

/** Device or level but no state: the facets can answer. */
const noState = (f: IndexFilter) => f.state === undefined;

/** Every device and level the filter allows is listed, so SQLite seeks each instead of scanning. */
function facetWhere(f: IndexFilter): Where {
  const { mobiles, levels } = facetSelection(f);
  return {
    sql: `mobile IN (${mobiles.map(() => '?').join(', ')}) AND level IN (${levels.map(() => '?').join(', ')}) ${rangeSql(f)}`,
    args: [...mobiles, ...levels, ...rangeArgs(f)],
  };
}

export class EmbeddedIndex implements Index {
  private readonly file: EmbeddedFile;
  private readonly db: Db;

  constructor(dataDir: string, options: OpenOptions = {}) {
    this.file = {
      path: join(dataDir, 'index.db'),
      whenDamaged: 'the index can be rebuilt from the log: move it aside and run `musicflow stream --from-beginning`',
    };
    this.db = openDatabase(this.file, SCHEMA, options);
    const guarded = explainingFileErrors(this, this.file);
    if (!options.readOnly) guarded.backfillFacets();
    return guarded;
  }

  /** An index written before the facets existed gets them from its plays, once. */
  private backfillFacets(): void {
    if (prepared(this.db, 'SELECT 1 FROM facets LIMIT 1').get() || !prepared(this.db, 'SELECT 1 FROM plays LIMIT 1').get()) return;
    this.db.transaction(() => {
      for (const [dim, grain] of CELLS) {
        const value = dim === 'all' ? "''" : dim === 'artist' ? `coalesce(artist, '${UNKNOWN}')` : `CAST(${PLAY_COLUMN[dim]} AS TEXT)`;
        const unit = GRAIN_MS[grain];
        this.db.prepare(`INSERT INTO facets (grain, dim, mobile, level, bucket, value, plays)
          SELECT ?, ?, mobile, level, (time / ${unit}) * ${unit}, ${value}, count(*) FROM plays GROUP BY 3, 4, 5, 6`).run(grain, dim);
      }
    }).immediate();
  }

  async watermark(log: string, partition: number): Promise<number> {
    return readWatermark(this.db, log, partition);
  }

  async applyEffects(e: IndexEffects): Promise<void> {
    const insertPlay = prepared(this.db, `INSERT INTO plays (event_id, customer_id, track_id, time, mobile, zip, state, city, title, artist, gender, age_band, level, campaign, flags)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const addAggregate = prepared(this.db, `INSERT INTO aggregates (grain, dim, bucket, value, plays, mobile_plays) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (grain, dim, bucket, value) DO UPDATE SET plays = plays + excluded.plays, mobile_plays = mobile_plays + excluded.mobile_plays`);
    const addFacet = prepared(this.db, `INSERT INTO facets (grain, dim, mobile, level, bucket, value, plays) VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (grain, dim, mobile, level, bucket, value) DO UPDATE SET plays = plays + excluded.plays`);
    this.db.transaction(() => {
      const actual = readWatermark(this.db, e.position.log, e.position.partition);
      if (actual !== e.position.expected) throw new WatermarkConflict(e.position, actual);
      for (const p of e.plays) {
        insertPlay.run(p.eventId, p.customerId, p.trackId, p.time, p.mobile ? 1 : 0, p.zip, dimensionValue(p, 'state'), p.place?.city ?? null,
          p.track?.title ?? null, p.track?.artist ?? null, dimensionValue(p, 'gender'), dimensionValue(p, 'age_band'),
          dimensionValue(p, 'level'), dimensionValue(p, 'campaign'), p.flags.join(','));
      }
      for (const c of countCells(e.plays)) {
        addAggregate.run(c.grain, c.dim, c.bucket, c.value, c.plays, c.mobilePlays);
        for (let facet = 0; facet < FACETS; facet++) {
          if (c.facets[facet] > 0) addFacet.run(c.grain, c.dim, facetMobile(facet), facetLevel(facet), c.bucket, c.value, c.facets[facet]);
        }
      }
      writeWatermark(this.db, e.position.log, e.position.partition, e.position.next);
    }).immediate();
  }

  async totals(f: IndexFilter): Promise<{ plays: number; mobilePlays: number; first: number | null; last: number | null }> {
    const w = playsWhere(f);
    const facets = facetWhere(f);
    const row = onlyTime(f)
      ? this.db.prepare(`SELECT coalesce(sum(plays), 0) AS plays, coalesce(sum(mobile_plays), 0) AS mobilePlays, min(bucket) AS first, max(bucket) AS last
          FROM aggregates WHERE grain = 'minute' AND dim = 'all' ${rangeSql(f)}`).get(...rangeArgs(f))
      : noState(f)
      ? this.db.prepare(`SELECT coalesce(sum(plays), 0) AS plays, coalesce(sum(mobile * plays), 0) AS mobilePlays, min(bucket) AS first, max(bucket) AS last
          FROM facets WHERE grain = 'minute' AND dim = 'all' AND ${facets.sql}`).get(...facets.args)
      : this.db.prepare(`SELECT count(*) AS plays, coalesce(sum(mobile), 0) AS mobilePlays, min(time) AS first, max(time) AS last FROM plays ${w.sql}`).get(...w.args);
    return row as { plays: number; mobilePlays: number; first: number | null; last: number | null };
  }

  async series(f: IndexFilter, grain: Grain): Promise<SeriesPoint[]> {
    if (onlyTime(f) && grain !== 'day') {
      return this.db.prepare(`SELECT bucket, plays, mobile_plays AS mobilePlays FROM aggregates WHERE grain = ? AND dim = 'all' ${rangeSql(f)} ORDER BY bucket`)
        .all(grain, ...rangeArgs(f)) as SeriesPoint[];
    }
    if (noState(f) && grain !== 'day') {
      const facets = facetWhere(f);
      return this.db.prepare(`SELECT bucket, sum(plays) AS plays, sum(mobile * plays) AS mobilePlays FROM facets WHERE grain = ? AND dim = 'all' AND ${facets.sql}
        GROUP BY bucket ORDER BY bucket`).all(grain, ...facets.args) as SeriesPoint[];
    }
    const w = playsWhere(f);
    const unit = GRAIN_MS[grain];
    return this.db.prepare(`SELECT (time / ${unit}) * ${unit} AS bucket, count(*) AS plays, sum(mobile) AS mobilePlays FROM plays ${w.sql} GROUP BY 1 ORDER BY 1`)
      .all(...w.args) as SeriesPoint[];
  }

  async breakdown(f: IndexFilter, dim: Dimension, limit: number): Promise<BreakdownRow[]> {
    if (dim === 'all') {
      const t = await this.totals(f);
      return [{ value: '', plays: t.plays, mobilePlays: t.mobilePlays }];
    }
    if (onlyTime(f)) {
      const grain = DIMENSION_GRAIN[dim];
      return this.db.prepare(`SELECT value, sum(plays) AS plays, sum(mobile_plays) AS mobilePlays FROM aggregates
        WHERE grain = ? AND dim = ? ${rangeSql(f)} GROUP BY value ORDER BY plays DESC, value LIMIT ?`)
        .all(grain, dim, ...rangeArgs(f), limit) as BreakdownRow[];
    }
    if (noState(f)) {
      const facets = facetWhere(f);
      return this.db.prepare(`SELECT value, sum(plays) AS plays, sum(mobile * plays) AS mobilePlays FROM facets
        WHERE grain = ? AND dim = ? AND ${facets.sql} GROUP BY value ORDER BY plays DESC, value LIMIT ?`)
        .all(DIMENSION_GRAIN[dim], dim, ...facets.args, limit) as BreakdownRow[];
    }
    const w = playsWhere(f);
    const column = PLAY_COLUMN[dim];
    return this.db.prepare(`SELECT CAST(${column} AS TEXT) AS value, count(*) AS plays, sum(mobile) AS mobilePlays FROM plays ${w.sql}
      GROUP BY 1 ORDER BY plays DESC, value LIMIT ?`).all(...w.args, limit) as BreakdownRow[];
  }

  async customersInState(state: string, f: IndexFilter, limit: number): Promise<Array<{ customerId: number; plays: number }>> {
    const w = playsWhere({ ...f, state });
    return this.db.prepare(`SELECT customer_id AS customerId, count(*) AS plays FROM plays ${w.sql} GROUP BY customer_id ORDER BY plays DESC, customer_id LIMIT ?`)
      .all(...w.args, limit) as Array<{ customerId: number; plays: number }>;
  }

  async health(): Promise<Health> {
    return sqliteHealth('embedded index', this.file, this.db, { plays: prepared(this.db, 'SELECT count(*) FROM plays').pluck().get() });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Buckets that start inside [from, to): whole buckets only, so the grain bounds the precision. */
function rangeSql(f: IndexFilter): string {
  return `${f.from !== undefined ? 'AND bucket >= ?' : ''} ${f.to !== undefined ? 'AND bucket < ?' : ''}`;
}

function rangeArgs(f: IndexFilter): number[] {
  return [f.from, f.to].filter((v): v is number => v !== undefined);
}
