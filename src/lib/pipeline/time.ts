// Event-time helpers. All times are UTC wall-clock epoch ms (see records.ts).
import type { Daypart } from '../records.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Night before 5h, morning before 12h, afternoon before 17h, evening before 22h, night after. */
export function daypartOf(time: number): Daypart {
  const hour = new Date(time).getUTCHours();
  if (hour < 5) return 'night';
  if (hour < 12) return 'morning';
  if (hour < 17) return 'afternoon';
  if (hour < 22) return 'evening';
  return 'night';
}

export function dayOf(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

export function floorTo(time: number, unit: number): number {
  return time - (((time % unit) + unit) % unit);
}
