// Phone numbers for the SMS: cust.csv has none, so they come from a file of `CustID,Phone` lines (a header
// first). A line that cannot be read is named with its reason and left out: its customer's messages are
// then refused for want of a number, never sent somewhere wrong. The reasons quote the file as it is; the
// terminal layer makes them printable.
import { readFile } from 'node:fs/promises';
import { InputFileError } from '../errors.js';
import { normalisePhone } from '../formats/fields.js';

export interface PhoneBook {
  phones: Map<number, string>;
  rejects: Array<{ line: number; reason: string }>;
}

export { normalisePhone } from '../formats/fields.js';

export async function readPhoneBook(file: string): Promise<PhoneBook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InputFileError(file, `cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (!/^\s*"?CustID"?\s*,\s*"?Phone"?\s*$/i.test(lines[0] ?? '')) {
    throw new InputFileError(file, `line 1: expected the header CustID,Phone, found "${lines[0] ?? ''}"`);
  }
  const book: PhoneBook = { phones: new Map(), rejects: [] };
  lines.forEach((raw, i) => {
    if (i === 0 || raw.trim() === '') return;
    const [idText = '', phoneText = '', ...rest] = raw.split(',').map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const id = /^\d+$/.test(idText) ? Number(idText) : NaN;
    const phone = normalisePhone(phoneText);
    const reason = rest.length > 0 ? `${rest.length + 2} fields, expected 2`
      : Number.isNaN(id) ? `customer id "${idText}" is not a whole number`
        : phone === null ? `phone "${phoneText}" is not an international number (+ and 8 to 15 digits)`
          : book.phones.has(id) && book.phones.get(id) !== phone ? `customer ${id} has another number on an earlier line`
            : null;
    if (reason === null) book.phones.set(id, phone!);
    else book.rejects.push({ line: i + 1, reason });
  });
  return book;
}
