// tracks.csv, the listening log (no header):  event_id,customer_id,track_id,"YYYY-MM-DD HH:MM:SS",ismobile,"zip"
// e.g. 0,48,453,"2014-10-23 03:26:20",0,"72132". This is the stream's hot path: a hand-written scanner takes
// the well-formed lines; anything else goes through csv-parse and gets a precise reason or a named repair.
import type { PlayEvent } from '../records.js';
import { splitCsvLine } from './csv.js';
import { formatDateTime, parseDateTime, utcMillis } from './datetime.js';
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

/** One tracks.csv line -> a play, or the reason it is not one. Over a million lines a second on one core. */
export function parseTrackLine(text: string): Parsed<PlayEvent> {
  const value = scanWellFormed(text);
  return value !== null ? { ok: true, value } : parseIrregular(text);
}

/** A header row someone added to the log ("event_id,customer_id,..."): skipped, not a reject. */
export function isTrackHeader(text: string): boolean {
  return looksLikeHeader(splitCsvLine(text).fields);
}

/** A play in exactly the reference form: 0,48,453,"2014-10-23 03:26:20",0,"72132". */
export function formatTrackLine(e: PlayEvent): string {
  return `${e.eventId},${e.customerId},${e.trackId},"${formatDateTime(e.time)}",${e.mobile ? 1 : 0},"${e.zip}"`;
}
