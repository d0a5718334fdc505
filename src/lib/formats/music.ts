// music.csv: TrackId,Title,Artist,Length   e.g. 0,Caught Up In You,.38 Special,200
// The published file has broken quoting on some lines ('326,Helplessly Hoping,"Crosby,195': an opening quote
// never closed). The first field is the id and the last the length in seconds; what lies between is the
// title, then the artist. Such lines are read and flagged as repaired.
import type { Track } from '../records.js';
import { splitCsvLine } from './csv.js';
import { joinRepairs, parseId } from './fields.js';
import type { Parsed } from './lines.js';

export const MUSIC_HEADER = 'TrackId,Title,Artist,Length';

export function parseMusicLine(text: string): Parsed<Track> {
  const { fields, repaired: quoting } = splitCsvLine(text);
  if (fields.length < 4) return { ok: false, reason: `expected 4 fields (${MUSIC_HEADER}), found ${fields.length}` };
  const idText = fields[0];
  const lengthText = fields[fields.length - 1];
  const id = parseId(idText);
  if (id === null) return { ok: false, reason: `TrackId "${idText}" is not a non-negative integer` };
  const lengthSec = parseId(lengthText);
  if (lengthSec === null || lengthSec === 0) return { ok: false, reason: `Length "${lengthText}" is not a whole number of seconds > 0` };
  const title = fields[1];
  if (title === '') return { ok: false, reason: 'Title is empty' };
  const artist = fields.slice(2, -1).join(', ');
  const split = fields.length > 4
    ? `${fields.length} fields: Title taken as "${title}", the ${fields.length - 3} between it and Length joined as Artist`
    : undefined;
  const value: Track = { id, title, artist, lengthSec };
  const repaired = joinRepairs(quoting, split);
  return repaired ? { ok: true, value, repaired } : { ok: true, value };
}

/** Unquoted, as the reference writes it, unless a value holds a comma or a quote. */
function field(text: string): string {
  return /[",]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A track in the reference form: 0,Caught Up In You,.38 Special,200 */
export function formatMusicLine(t: Track): string {
  return `${t.id},${field(t.title)},${field(t.artist)},${t.lengthSec}`;
}
