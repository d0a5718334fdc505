// Event-time helpers. All times are UTC wall-clock epoch ms (see records.ts).
import type { Grain } from '../ports.js';
import type { Daypart } from '../records.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** A grain's bucket length. */
export const GRAIN_MS: Record<Grain, number> = { minute: MINUTE, hour: HOUR, day: DAY };

/** Night before 5h, morning before 12h, afternoon before 17h, evening before 22h, night after. */
export function daypartOf(time: number): Daypart {
  const hour = Math.floor((time - floorTo(time, DAY)) / HOUR);
  if (hour < 5) return 'night';
  if (hour < 12) return 'morning';
  if (hour < 17) return 'afternoon';
  if (hour < 22) return 'evening';
  return 'night';
}

// Plays come in time order mostly: the last day's text is reused (this runs for every event).
let lastDay = { start: NaN, text: '' };

export function dayOf(time: number): string {
  const start = floorTo(time, DAY);
  if (start !== lastDay.start) lastDay = { start, text: new Date(start).toISOString().slice(0, 10) };
  return lastDay.text;
}

export function floorTo(time: number, unit: number): number {
  return time - (((time % unit) + unit) % unit);
}
