// clicks.csv: EventID,CustID,AdClicked,Localtime   e.g. 0,109,"ADV_REDUCED_1DAY","2014-10-03 19:12:44"
// One row per ad click. Columns are found by header name; a file without a header is read in this order.
import { InputFileError } from '../errors.js';
import type { Click } from '../records.js';
import { splitCsvLine } from './csv.js';
import { formatDateTime, parseDateTime } from './datetime.js';
import { locateColumns, parseId } from './fields.js';
import type { Parsed } from './lines.js';

export const CLICKS_HEADER = 'EventID,CustID,AdClicked,Localtime';

// Accepted header names per column, the reference spelling first.
const ALIASES = {
  eventId: ['EventID', 'id'],
  customerId: ['CustID', 'CustomerID'],
  ad: ['AdClicked', 'ad'],
  time: ['Localtime', 'time'],
};

type ClickColumn = keyof typeof ALIASES;

export interface ClickColumns extends Record<ClickColumn, number> {
  count: number;
}

export const REFERENCE_CLICK_COLUMNS: ClickColumns = { eventId: 0, customerId: 1, ad: 2, time: 3, count: 4 };

export function clickColumns(file: string, header: string[]): ClickColumns {
  const found = locateColumns(header, ALIASES);
  const missing = (Object.keys(ALIASES) as ClickColumn[]).filter((column) => found[column] === undefined);
  if (missing.length > 0) {
    throw new InputFileError(file, `the clicks header lacks ${missing.map((m) => ALIASES[m][0]).join(', ')}: `
      + `a clicks file needs the header ${CLICKS_HEADER}`);
  }
  return { ...(found as Record<ClickColumn, number>), count: header.length };
}

const AD_NAME = /^[A-Za-z0-9_.-]+$/;

export function parseClickLine(text: string, columns: ClickColumns): Parsed<Click> {
  const { fields, repaired } = splitCsvLine(text);
  if (fields.length !== columns.count) return { ok: false, reason: `expected ${columns.count} fields (${CLICKS_HEADER}), found ${fields.length}` };
  const eventId = parseId(fields[columns.eventId]);
  if (eventId === null) return { ok: false, reason: `EventID "${fields[columns.eventId]}" is not a non-negative integer` };
  const customerId = parseId(fields[columns.customerId]);
  if (customerId === null) return { ok: false, reason: `CustID "${fields[columns.customerId]}" is not a non-negative integer` };
  const ad = fields[columns.ad];
  if (!AD_NAME.test(ad)) return { ok: false, reason: `AdClicked "${ad}" is not an ad name like ADV_REDUCED_1DAY` };
  const time = parseDateTime(fields[columns.time]);
  if (Number.isNaN(time)) return { ok: false, reason: `Localtime "${fields[columns.time]}" is not a real date-time YYYY-MM-DD HH:MM:SS` };
  const value: Click = { eventId, customerId, ad, time };
  return repaired ? { ok: true, value, repaired } : { ok: true, value };
}

/** A click in the reference form: 0,109,"ADV_REDUCED_1DAY","2014-10-03 19:12:44" */
export function formatClickLine(c: Click): string {
  return `${c.eventId},${c.customerId},"${c.ad}","${formatDateTime(c.time)}"`;
}
