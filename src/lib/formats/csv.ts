// Splits one physical line into CSV fields. Well-formed quoting is read by a small scanner (csv-parse for one
// line at a time costs microseconds in setup alone); anything it does not accept goes to csv-parse, whose
// verdict stands. A line whose quoting is broken (an opening quote never closed, a stray quote inside a field) is mended by dropping the
// quote marks and splitting at commas, and says so. Reading line by line means a broken quote can never
// swallow the lines after it.
import { CsvError, parse } from 'csv-parse/sync';

export interface SplitLine {
  fields: string[];
  repaired?: string; // set when the quoting was broken and the fields are a best effort
}

const QUOTE = '"';

function trimmedFields(text: string): string[] {
  return text.split(',').map((field) => field.trim());
}

const isBlank = (c: number) => c === 32 || c === 9;

/**
 * Fields of a line whose quoting is well formed: each field is either unquoted (no quote inside) or wholly
 * quoted ("" for a quote), with blanks around it trimmed. Null for anything else: csv-parse decides those.
 */
export function wellFormedFields(text: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) === 34) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const close = text.indexOf(QUOTE, from);
        if (close < 0) return null; // never closed
        if (text.charCodeAt(close + 1) === 34) {
          value += text.slice(from, close + 1);
          from = close + 2;
          continue;
        }
        value += text.slice(from, close);
        i = close + 1;
        break;
      }
      while (i < text.length && isBlank(text.charCodeAt(i))) i++;
      fields.push(value);
      if (i === text.length) return fields;
      if (text.charCodeAt(i) !== 44) return null; // text after the closing quote
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const value = text.slice(i, end);
      if (value.includes(QUOTE)) return null; // a quote inside an unquoted field
      fields.push(value.trimEnd());
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Control characters (tab included) have no place in a name or a title; stores use some as separators. */
const CONTROL = /[\x00-\x1f\x7f]/g;

export function splitCsvLine(line: string): SplitLine {
  const text = line.replace(CONTROL, ' ');
  const split = splitFields(text);
  if (text === line) return split;
  const mended = 'control characters replaced by spaces';
  return { fields: split.fields, repaired: split.repaired ? `${split.repaired}; ${mended}` : mended };
}

function splitFields(text: string): SplitLine {
  if (!text.includes(QUOTE)) return { fields: trimmedFields(text) };
  const quoted = wellFormedFields(text);
  if (quoted) return { fields: quoted };
  try {
    const rows = parse(text, { ltrim: true, rtrim: true, relax_column_count: true }) as string[][];
    if (rows.length === 1) return { fields: rows[0] };
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    return {
      fields: trimmedFields(text.replaceAll(QUOTE, '')),
      repaired: `broken quoting (${err.code}): quote marks dropped, fields split at commas`,
    };
  }
  // csv-parse found no record or several: only possible with odd quoting, mend it the same way.
  return { fields: trimmedFields(text.replaceAll(QUOTE, '')), repaired: 'broken quoting: quote marks dropped, fields split at commas' };
}
