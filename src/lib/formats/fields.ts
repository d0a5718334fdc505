// Field checks shared by the readers: ids, 0/1 flags, US zip codes, and header rows.

const DIGITS = /^\d{1,15}$/;

/** A non-negative whole number written as plain digits, or null. */
export function parseId(text: string): number | null {
  return DIGITS.test(text) ? Number(text) : null;
}

/** "0" / "1" -> 0 / 1, or null. */
export function parseBit(text: string): 0 | 1 | null {
  return text === '0' ? 0 : text === '1' ? 1 : null;
}

export interface ZipReading {
  zip: string;
  repaired?: string;
}

const ZIP5 = /^\d{5}$/;
const SHORT_ZIP = /^\d{3,4}$/;
const ZIP_PLUS4 = /^(\d{5})-\d{4}$/;

/**
 * A 5-digit US zip code. Spreadsheets drop the leading zeros of New England and New Jersey zips
 * ("02553" -> "2553"), so 3- and 4-digit values are zero-padded back; ZIP+4 keeps its first five digits.
 * Both count as repairs. Anything else is not a zip.
 */
export function readZip(text: string): ZipReading | null {
  if (ZIP5.test(text)) return { zip: text };
  if (SHORT_ZIP.test(text)) {
    const zip = text.padStart(5, '0');
    return { zip, repaired: `zip "${text}" zero-padded to "${zip}"` };
  }
  const plus4 = ZIP_PLUS4.exec(text);
  if (plus4) return { zip: plus4[1], repaired: `ZIP+4 "${text}" cut to "${plus4[1]}"` };
  return null;
}

/** Header names compare without case, spaces, punctuation or a "(format)" note: "SignDate(MM/DD/YYYY)" -> "signdate". */
export function headerKey(name: string): string {
  return name.replace(/\(.*\)/, '').toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** A header row: no field is a number and at least one holds a letter. */
export function looksLikeHeader(fields: string[]): boolean {
  return fields.some((f) => /[A-Za-z]/.test(f)) && fields.every((f) => !/^[-+]?\d+(\.\d+)?$/.test(f));
}

/** Joins the repairs made to one line into one note (undefined when none). */
export function joinRepairs(...repairs: Array<string | undefined>): string | undefined {
  const made = repairs.filter((r): r is string => Boolean(r));
  return made.length > 0 ? made.join('; ') : undefined;
}

/**
 * Where each wanted column sits in a header row, by name (any order, any case). `aliases` lists the names
 * accepted for each column, the reference spelling first.
 */
export function locateColumns<K extends string>(header: string[], aliases: Record<K, string[]>): Partial<Record<K, number>> {
  const keys = header.map(headerKey);
  const found: Partial<Record<K, number>> = {};
  for (const column of Object.keys(aliases) as K[]) {
    const accepted = aliases[column].map(headerKey);
    const at = keys.findIndex((key) => accepted.includes(key));
    if (at !== -1) found[column] = at;
  }
  return found;
}

/** E.164: a plus, then 8 to 15 digits; spaces, dots, dashes and brackets between them are dropped. */
export function normalisePhone(text: string): string | null {
  const compact = text.trim().replace(/[\s.()-]/g, '');
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}
