// Dashboard aggregates: play counts (and their mobile part) per time bucket and dimension value,
// merged within a batch so each bucket is written once.
import { DIMENSION_GRAIN, type Dimension, type Grain } from '../ports.js';
import { CAMPAIGN_NAMES, LEVEL_NAMES, type EnrichedPlay } from '../records.js';
import { DAY, HOUR, MINUTE, floorTo } from './time.js';

const GRAIN_MS: Record<Grain, number> = { minute: MINUTE, hour: HOUR, day: DAY };
export const UNKNOWN = 'unknown';

export interface AggregateDelta {
  grain: Grain;
  bucket: number; // epoch ms at the start of the minute/hour/day
  dim: Dimension;
  value: string;
  plays: number;
  mobilePlays: number;
}

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

const CELLS: Array<[Dimension, Grain]> = [
  ['all', 'minute'],
  ['all', 'hour'],
  ...(Object.entries(DIMENSION_GRAIN) as Array<[Dimension, Grain]>),
];

export function aggregate(plays: EnrichedPlay[]): AggregateDelta[] {
  // cell -> value -> bucket: no key strings built per play (this runs for every event).
  const cells = CELLS.map(() => new Map<string, Map<number, AggregateDelta>>());
  for (const play of plays) {
    const mobile = play.mobile ? 1 : 0;
    for (let i = 0; i < CELLS.length; i++) {
      const [dim, grain] = CELLS[i];
      const value = dimensionValue(play, dim);
      const bucket = floorTo(play.time, GRAIN_MS[grain]);
      let byBucket = cells[i].get(value);
      if (!byBucket) cells[i].set(value, (byBucket = new Map()));
      const cell = byBucket.get(bucket);
      if (cell) {
        cell.plays += 1;
        cell.mobilePlays += mobile;
      } else {
        byBucket.set(bucket, { grain, bucket, dim, value, plays: 1, mobilePlays: mobile });
      }
    }
  }
  return cells.flatMap((byValue) => [...byValue.values()].flatMap((byBucket) => [...byBucket.values()]));
}
