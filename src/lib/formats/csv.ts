// Splits one physical line into CSV fields. csv-parse reads the well-formed (quoted) case; a line whose
// quoting is broken (an opening quote never closed, a stray quote inside a field) is mended by dropping the
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
