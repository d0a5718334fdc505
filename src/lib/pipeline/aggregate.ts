// The index's rules, once for every adapter that keeps pre-merged counts (embedded, Redis): the cells a
// play counts in (grain, dimension value, bucket), each split by device and level (the facets), merged
// within a batch so each cell is written once; and on the query side, which facets a filter reads.
import { DIMENSION_GRAIN, type Dimension, type Grain, type IndexFilter } from '../ports.js';
import { CAMPAIGN_NAMES, LEVEL_NAMES, type EnrichedPlay } from '../records.js';
import { GRAIN_MS, floorTo } from './time.js';

export const UNKNOWN = 'unknown';

/** The value a play has in a dimension ('unknown' when the join found nothing). */
export function dimensionValue(play: EnrichedPlay, dim: Dimension): string {
  const c = play.customer;
  switch (dim) {
    case 'all': return '';
    case 'state': return play.place?.state ?? UNKNOWN;
    case 'gender': return c?.gender ?? UNKNOWN;
    case 'age_band': return play.ageBand ?? UNKNOWN;
    case 'level': return c ? LEVEL_NAMES[c.level] : UNKNOWN;
    case 'campaign': return c ? CAMPAIGN_NAMES[c.campaign] : UNKNOWN;
    case 'track': return String(play.trackId);
    case 'artist': return play.track?.artist ?? UNKNOWN;
    case 'zip': return play.zip;
  }
}

/** Every cell the index keeps: the plain count ('all') per minute and hour, each dimension at its grain. */
export const CELLS: ReadonlyArray<readonly [Dimension, Grain]> = [
  ['all', 'minute'],
  ['all', 'hour'],
  ...(Object.entries(DIMENSION_GRAIN) as Array<[Dimension, Grain]>),
];

/** Every level value a play can carry; a facet is one device and one of these. */
export const FACET_LEVELS: readonly string[] = [...LEVEL_NAMES, UNKNOWN];
/** Facets per cell: facet = mobile * FACET_LEVELS.length + level index. */
export const FACETS = 2 * FACET_LEVELS.length;
export const facetMobile = (facet: number): 0 | 1 => (facet >= FACET_LEVELS.length ? 1 : 0);
export const facetLevel = (facet: number): string => FACET_LEVELS[facet % FACET_LEVELS.length];

function facetOf(play: EnrichedPlay): number {
  return (play.mobile ? FACET_LEVELS.length : 0) + (play.customer ? play.customer.level : FACET_LEVELS.length - 1);
}

/** A cell's plays in one batch: in all, on phones, and per facet. */
export interface CellCount {
  grain: Grain;
  dim: Dimension;
  bucket: number; // epoch ms at the start of the minute/hour/day
  value: string;
  plays: number;
  mobilePlays: number;
  facets: Int32Array; // plays per facet (FACETS long)
}

/** Every cell the plays count in, counted in one pass (no key strings built per play: this runs for every event). */
export function countCells(plays: EnrichedPlay[]): CellCount[] {
  const cells = CELLS.map(() => new Map<string, Map<number, CellCount>>()); // cell -> value -> bucket
  for (const play of plays) {
    const facet = facetOf(play);
    const mobile = play.mobile ? 1 : 0;
    for (let i = 0; i < CELLS.length; i++) {
      const [dim, grain] = CELLS[i];
      const value = dimensionValue(play, dim);
      const bucket = floorTo(play.time, GRAIN_MS[grain]);
      let byBucket = cells[i].get(value);
      if (!byBucket) cells[i].set(value, (byBucket = new Map()));
      let cell = byBucket.get(bucket);
      if (!cell) byBucket.set(bucket, (cell = { grain, dim, bucket, value, plays: 0, mobilePlays: 0, facets: new Int32Array(FACETS) }));
      cell.plays += 1;
      cell.mobilePlays += mobile;
      cell.facets[facet] += 1;
    }
  }
  return cells.flatMap((byValue) => [...byValue.values()].flatMap((byBucket) => [...byBucket.values()]));
}

// ---------------------------------------------------------------- queries

/** Only a time range (or nothing): the plain counts answer. */
export const onlyTime = (f: IndexFilter): boolean => f.mobile === undefined && f.level === undefined && f.state === undefined;

export const levelName = (level: number): string => LEVEL_NAMES[level] ?? String(level);

/** The facets a filter's device and level allow: a query sums the cells' counts in these. */
export function facetSelection(f: IndexFilter): { mobiles: Array<0 | 1>; levels: readonly string[] } {
  return {
    mobiles: f.mobile === undefined ? [0, 1] : [f.mobile ? 1 : 0],
    levels: f.level === undefined ? FACET_LEVELS : [levelName(f.level)],
  };
}
