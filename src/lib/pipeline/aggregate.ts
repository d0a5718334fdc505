// Dashboard aggregates: play counts (and their mobile part) per time bucket and dimension value,
// merged within a batch so each bucket is written once.
import { DIMENSION_GRAIN, type AggregateDelta, type Dimension, type Grain } from '../ports.js';
import { CAMPAIGN_NAMES, LEVEL_NAMES, type EnrichedPlay } from '../records.js';
import { DAY, HOUR, MINUTE, floorTo } from './time.js';

const GRAIN_MS: Record<Grain, number> = { minute: MINUTE, hour: HOUR, day: DAY };
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

const CELLS: Array<[Dimension, Grain]> = [
  ['all', 'minute'],
  ['all', 'hour'],
  ...(Object.entries(DIMENSION_GRAIN) as Array<[Dimension, Grain]>),
];

export function aggregate(plays: EnrichedPlay[]): AggregateDelta[] {
  const cells = new Map<string, AggregateDelta>();
  for (const play of plays) {
    for (const [dim, grain] of CELLS) {
      const bucket = floorTo(play.time, GRAIN_MS[grain]);
      const value = dimensionValue(play, dim);
      const key = `${grain}|${dim}|${bucket}|${value}`;
      let cell = cells.get(key);
      if (!cell) {
        cell = { grain, bucket, dim, value, plays: 0, mobilePlays: 0 };
        cells.set(key, cell);
      }
      cell.plays += 1;
      if (play.mobile) cell.mobilePlays += 1;
    }
  }
  return [...cells.values()];
}
