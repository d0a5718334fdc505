// Calendar arithmetic for the reference formats. The files carry no zone, so every date-time is read and
// written as UTC wall-clock time. Integer day arithmetic (no Date objects) keeps the tracks hot path fast.

export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Epoch ms of a calendar date-time, or NaN when any part is out of range (2014-02-30, 25:00, ...). */
export function utcMillis(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year < 1900 || year > 2999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)
    || hour > 23 || minute > 59 || second > 59) return NaN;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/;

/** "YYYY-MM-DD HH:MM:SS" (a "T" separator is accepted too) -> epoch ms, or NaN. */
export function parseDateTime(text: string): number {
  const m = DATE_TIME.exec(text);
  if (!m) return NaN;
  return utcMillis(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** "MM/DD/YYYY" (the reference SignDate) or "YYYY-MM-DD" -> "YYYY-MM-DD", or null when not a real date. */
export function parseCalendarDate(text: string): string | null {
  let m = US_DATE.exec(text);
  const [year, month, day] = m ? [+m[3], +m[1], +m[2]] : (m = ISO_DATE.exec(text)) ? [+m[1], +m[2], +m[3]] : [0, 0, 0];
  if (Number.isNaN(utcMillis(year, month, day))) return null;
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** "YYYY-MM-DD" -> epoch ms at midnight UTC (the input must come from parseCalendarDate or be as strict). */
export function isoDateMillis(iso: string): number {
  return utcMillis(+iso.slice(0, 4), +iso.slice(5, 7), +iso.slice(8, 10));
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

function pad2(n: number): string {
  return TWO_DIGITS[n];
}

/** epoch ms -> "YYYY-MM-DD" (UTC). */
export function formatIsoDate(ms: number): string {
  const { year, month, day } = civilFromDays(Math.floor(ms / DAY_MS));
  return `${year}-${pad2(month)}-${pad2(day)}`;
}

/** epoch ms -> "MM/DD/YYYY" (UTC), the reference SignDate form. */
export function formatUsDate(ms: number): string {
  const { year, month, day } = civilFromDays(Math.floor(ms / DAY_MS));
  return `${pad2(month)}/${pad2(day)}/${year}`;
}

// The generator formats a million times in time order: the date part changes once a day, so keep it.
let cachedDay = NaN;
let cachedDayText = '';

/** epoch ms -> "YYYY-MM-DD HH:MM:SS" (UTC), whole seconds. */
export function formatDateTime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = formatIsoDate(ms);
  }
  const secOfDay = Math.floor((ms - day * DAY_MS) / 1000);
  const hour = Math.floor(secOfDay / 3600);
  const minute = Math.floor((secOfDay % 3600) / 60);
  return `${cachedDayText} ${pad2(hour)}:${pad2(minute)}:${pad2(secOfDay % 60)}`;
}
