// tracks.csv, the listening log (no header):  event_id,customer_id,track_id,"YYYY-MM-DD HH:MM:SS",ismobile,"zip"
// e.g. 0,48,453,"2014-10-23 03:26:20",0,"72132". This is the stream's hot path: a hand-written scanner takes
// the well-formed lines; anything else goes through csv-parse and gets a precise reason or a named repair.
import type { PlayEvent } from '../records.js';
import { splitCsvLine } from './csv.js';
import { DAY_MS, formatDateTime, parseDateTime, utcMillis } from './datetime.js';
import { joinRepairs, looksLikeHeader, parseBit, parseId, readZip } from './fields.js';
import type { Parsed } from './lines.js';

export const TRACKS_FIELDS = 'event_id,customer_id,track_id,"YYYY-MM-DD HH:MM:SS",ismobile(0/1),"zip"';

const ZERO = 48;
const COMMA = 44;
const QUOTE = 34;
const MAX_ID_DIGITS = 15;

// Scanner position, shared by the helpers below (one line at a time, single-threaded).
let pos = 0;

/** Reads digits at `pos` up to a comma; returns -1 unless 1..15 digits are followed by a comma. */
function idThenComma(text: string): number {
  let value = 0;
  const start = pos;
  for (;;) {
    const d = text.charCodeAt(pos) - ZERO; // NaN past the end of the line
    if (!(d >= 0 && d <= 9)) break;
    value = value * 10 + d;
    pos += 1;
  }
  if (pos === start || pos - start > MAX_ID_DIGITS || text.charCodeAt(pos) !== COMMA) return -1;
  pos += 1;
  return value;
}

/** Two digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

// Offsets inside '"YYYY-MM-DD HH:MM:SS",b,"zzzzz"' counted from the opening quote.
const TAIL_LENGTH = 31;

/** The well-formed line, exactly as the reference writes it, or null for anything else. */
function scanWellFormed(text: string): PlayEvent | null {
  pos = 0;
  const eventId = idThenComma(text);
  if (eventId < 0) return null;
  const customerId = idThenComma(text);
  if (customerId < 0) return null;
  const trackId = idThenComma(text);
  if (trackId < 0) return null;
  const q = pos;
  if (text.length !== q + TAIL_LENGTH || text.charCodeAt(q) !== QUOTE || text.charCodeAt(q + 20) !== QUOTE
    || text.charCodeAt(q + 5) !== 45 || text.charCodeAt(q + 8) !== 45 || text.charCodeAt(q + 11) !== 32
    || text.charCodeAt(q + 14) !== 58 || text.charCodeAt(q + 17) !== 58
    || text.charCodeAt(q + 21) !== COMMA || text.charCodeAt(q + 23) !== COMMA
    || text.charCodeAt(q + 24) !== QUOTE || text.charCodeAt(q + 30) !== QUOTE) return null;
  const century = twoDigits(text, q + 1);
  const yy = twoDigits(text, q + 3);
  const month = twoDigits(text, q + 6);
  const day = twoDigits(text, q + 9);
  const hour = twoDigits(text, q + 12);
  const minute = twoDigits(text, q + 15);
  const second = twoDigits(text, q + 18);
  if (century < 0 || yy < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return null;
  const time = utcMillis(century * 100 + yy, month, day, hour, minute, second);
  if (Number.isNaN(time)) return null;
  const mobileCode = text.charCodeAt(q + 22) - ZERO;
  if (mobileCode !== 0 && mobileCode !== 1) return null;
  for (let i = q + 25; i < q + 30; i++) {
    const d = text.charCodeAt(i) - ZERO;
    if (!(d >= 0 && d <= 9)) return null;
  }
  return { eventId, customerId, trackId, time, mobile: mobileCode === 1, zip: text.slice(q + 25, q + 30) };
}

/** Any other line: csv-parse (or the broken-quote mend), then field by field with a reason for the first bad one. */
function parseIrregular(text: string): Parsed<PlayEvent> {
  const { fields, repaired: quoting } = splitCsvLine(text);
  if (fields.length !== 6) {
    return { ok: false, reason: `expected 6 fields (${TRACKS_FIELDS}), found ${fields.length}` };
  }
  const [eventText, customerText, trackText, timeText, mobileText, zipText] = fields;
  const eventId = parseId(eventText);
  if (eventId === null) return { ok: false, reason: `event_id "${eventText}" is not a non-negative integer` };
  const customerId = parseId(customerText);
  if (customerId === null) return { ok: false, reason: `customer_id "${customerText}" is not a non-negative integer` };
  const trackId = parseId(trackText);
  if (trackId === null) return { ok: false, reason: `track_id "${trackText}" is not a non-negative integer` };
  const time = parseDateTime(timeText);
  if (Number.isNaN(time)) return { ok: false, reason: `time "${timeText}" is not a real date-time YYYY-MM-DD HH:MM:SS` };
  const mobile = parseBit(mobileText);
  if (mobile === null) return { ok: false, reason: `ismobile "${mobileText}" is not 0 or 1` };
  const zip = readZip(zipText);
  if (zip === null) return { ok: false, reason: `zip "${zipText}" is not a 5-digit US zip code` };
  const value: PlayEvent = { eventId, customerId, trackId, time, mobile: mobile === 1, zip: zip.zip };
  const repaired = joinRepairs(quoting, zip.repaired);
  return repaired ? { ok: true, value, repaired } : { ok: true, value };
}

/** The first moment a play may be dated: before it there were no streaming logs, only broken clocks. */
export const EARLIEST_PLAY = Date.UTC(2000, 0, 1);
/** How far past the wall clock a play may be dated unless configured: clocks drift, a year ahead is a broken one. */
export const DEFAULT_MAX_AHEAD_MS = DAY_MS;

/**
 * Why a play's time cannot be used, or null. A play dated far ahead would stay the newest forever: its
 * customer and track would never see an interest again, and "the last 24 hours" would hold only it.
 */
export function playTimeProblem(time: number, now: number, maxAheadMs: number): string | null {
  const latest = now + maxAheadMs;
  if (time >= EARLIEST_PLAY && time <= latest) return null;
  return `time "${formatDateTime(time)}" is outside the accepted range ${formatDateTime(EARLIEST_PLAY)} to ${formatDateTime(latest)} `
    + `(the wall clock plus ${maxAheadMs / 3_600_000} h)`;
}

/**
 * One tracks.csv line -> a play, or the reason it is not one, its time checked against `now` (epoch ms).
 * Over a million lines a second on one core.
 */
export function parseTrackLine(text: string, now = Date.now(), maxAheadMs = DEFAULT_MAX_AHEAD_MS): Parsed<PlayEvent> {
  const well = scanWellFormed(text);
  const parsed: Parsed<PlayEvent> = well !== null ? { ok: true, value: well } : parseIrregular(text);
  if (!parsed.ok) return parsed;
  const problem = playTimeProblem(parsed.value.time, now, maxAheadMs);
  return problem === null ? parsed : { ok: false, reason: problem };
}

/** A header row someone added to the log ("event_id,customer_id,..."): skipped, not a reject. */
export function isTrackHeader(text: string): boolean {
  return looksLikeHeader(splitCsvLine(text).fields);
}

/** A play in exactly the reference form: 0,48,453,"2014-10-23 03:26:20",0,"72132". */
export function formatTrackLine(e: PlayEvent): string {
  return `${e.eventId},${e.customerId},${e.trackId},"${formatDateTime(e.time)}",${e.mobile ? 1 : 0},"${e.zip}"`;
}
