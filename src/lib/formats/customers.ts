// cust.csv: CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps
// e.g. 0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0
// Columns are found by header name (any order, any case); a file without a header is read in the reference
// order. An optional Age or BirthDate column gives ages from the file; otherwise the age is derived from
// the id and marked ageSource 'derived'. An optional Phone column gives the number the offer SMS goes to (E.164;
// a line whose number is not one is rejected with the reason, an empty field means no number).
import { derivedAge } from '../demographics.js';
import { InputFileError } from '../errors.js';
import { CAMPAIGN_NAMES, LEVEL_NAMES, type Campaign, type Customer, type Gender, type Level } from '../records.js';
import { splitCsvLine } from './csv.js';
import { DAY_MS, isoDateMillis, parseCalendarDate } from './datetime.js';
import { joinRepairs, locateColumns, normalisePhone, parseBit, parseId, readZip } from './fields.js';
import type { Parsed } from './lines.js';

export const CUSTOMERS_HEADER = 'CustID,Name,Gender,Address,zip,SignDate,Status,Level,Campaign,LinkedWithApps';

// Accepted header names per column, the reference spelling first.
const REQUIRED = {
  id: ['CustID', 'CustomerID', 'id'],
  name: ['Name'],
  gender: ['Gender', 'sex'],
  address: ['Address'],
  zip: ['zip', 'ZipCode'],
  signDate: ['SignDate'],
  status: ['Status'],
  level: ['Level'],
  campaign: ['Campaign'],
  linkedWithApps: ['LinkedWithApps'],
};
const OPTIONAL = {
  age: ['Age'],
  birthDate: ['BirthDate', 'DateOfBirth', 'dob'],
  phone: ['Phone', 'PhoneNumber', 'Mobile'],
};

type RequiredColumn = keyof typeof REQUIRED;

/** Where each column of a customers file sits. */
export interface CustomerColumns extends Record<RequiredColumn, number> {
  age?: number;
  birthDate?: number;
  phone?: number;
  count: number; // fields a row must have
}

/** The reference column order, for a file without a header row. */
export const REFERENCE_CUSTOMER_COLUMNS: CustomerColumns = {
  id: 0, name: 1, gender: 2, address: 3, zip: 4, signDate: 5, status: 6, level: 7, campaign: 8, linkedWithApps: 9, count: 10,
};

/** Columns from a header row; throws InputFileError naming the missing columns. */
export function customerColumns(file: string, header: string[]): CustomerColumns {
  const found = locateColumns(header, { ...REQUIRED, ...OPTIONAL });
  const missing = (Object.keys(REQUIRED) as RequiredColumn[]).filter((column) => found[column] === undefined);
  if (missing.length > 0) {
    throw new InputFileError(file, `the customers header lacks ${missing.map((m) => REQUIRED[m][0]).join(', ')}: `
      + `a customers file needs the header ${CUSTOMERS_HEADER} (columns in any order; optional Age or BirthDate, and Phone)`);
  }
  return { ...(found as Record<RequiredColumn, number>), age: found.age, birthDate: found.birthDate, phone: found.phone, count: header.length };
}

function readGender(text: string): Gender {
  // The reference data does not say which code is which; 0 = male, 1 = female is this project's reading.
  const t = text.toLowerCase();
  if (t === '0' || t === 'm' || t === 'male') return 'male';
  if (t === '1' || t === 'f' || t === 'female') return 'female';
  return 'unknown';
}

function readCode<T extends number>(text: string, names: readonly string[]): T | null {
  const byName = names.findIndex((n) => n.toLowerCase() === text.toLowerCase());
  if (byName !== -1) return byName as T;
  const n = parseId(text);
  return n !== null && n < names.length ? (n as T) : null;
}

const MAX_AGE = 120;
const YEAR_MS = 365.2425 * DAY_MS;

type AgeReading = { age: number; fromFile: boolean; repaired?: string };

function readAge(id: number, fields: string[], columns: CustomerColumns, asOf: number): AgeReading {
  if (columns.age !== undefined && fields[columns.age] !== '') {
    const text = fields[columns.age];
    const age = parseId(text);
    if (age !== null && age <= MAX_AGE) return { age, fromFile: true };
    return { age: derivedAge(id), fromFile: false, repaired: `Age "${text}" unreadable: derived age used` };
  }
  if (columns.birthDate !== undefined && fields[columns.birthDate] !== '') {
    const text = fields[columns.birthDate];
    const born = parseCalendarDate(text);
    const age = born === null ? NaN : Math.floor((asOf - isoDateMillis(born)) / YEAR_MS);
    if (age >= 0 && age <= MAX_AGE) return { age, fromFile: true };
    return { age: derivedAge(id), fromFile: false, repaired: `BirthDate "${text}" unreadable: derived age used` };
  }
  return { age: derivedAge(id), fromFile: false };
}

/** One customers line -> a Customer. `asOf` (epoch ms) turns a BirthDate into an age. */
export function parseCustomerLine(text: string, columns: CustomerColumns, asOf: number): Parsed<Customer> {
  const { fields, repaired: quoting } = splitCsvLine(text);
  if (fields.length !== columns.count) {
    return { ok: false, reason: `expected ${columns.count} fields, found ${fields.length}${quoting ? ` after mending ${quoting}` : ''}` };
  }
  const field = (column: RequiredColumn): string => fields[columns[column]];
  const id = parseId(field('id'));
  if (id === null) return { ok: false, reason: `CustID "${field('id')}" is not a non-negative integer` };
  const zip = readZip(field('zip'));
  if (zip === null) return { ok: false, reason: `zip "${field('zip')}" is not a 5-digit US zip code` };
  const signDate = parseCalendarDate(field('signDate'));
  if (signDate === null) return { ok: false, reason: `SignDate "${field('signDate')}" is not a real date MM/DD/YYYY` };
  const status = parseBit(field('status'));
  if (status === null) return { ok: false, reason: `Status "${field('status')}" is not 0 or 1` };
  const level = readCode<Level>(field('level'), LEVEL_NAMES);
  if (level === null) return { ok: false, reason: `Level "${field('level')}" is not 0-2 (${LEVEL_NAMES.join(', ')})` };
  const campaign = readCode<Campaign>(field('campaign'), CAMPAIGN_NAMES);
  if (campaign === null) return { ok: false, reason: `Campaign "${field('campaign')}" is not 0-4 (${CAMPAIGN_NAMES.join(', ')})` };
  const linked = parseBit(field('linkedWithApps'));
  if (linked === null) return { ok: false, reason: `LinkedWithApps "${field('linkedWithApps')}" is not 0 or 1` };
  const phoneText = columns.phone === undefined ? '' : fields[columns.phone].trim();
  const phone = phoneText === '' ? null : normalisePhone(phoneText);
  if (phoneText !== '' && phone === null) return { ok: false, reason: `Phone "${phoneText}" is not an international number (+ and 8 to 15 digits, e.g. +15551234567)` };
  const age = readAge(id, fields, columns, asOf);
  const value: Customer = {
    id,
    name: field('name'),
    gender: readGender(field('gender')),
    address: field('address'),
    zip: zip.zip,
    signDate,
    active: status === 1,
    level,
    campaign,
    linkedWithApps: linked === 1,
    age: age.age,
    ageSource: age.fromFile ? 'file' : 'derived',
  };
  if (phone !== null) value.phone = phone; // set after the literal, which a spread would make slow to build
  const repaired = joinRepairs(quoting, zip.repaired, age.repaired);
  return repaired ? { ok: true, value, repaired } : { ok: true, value };
}

function quoted(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

const GENDER_CODES: Record<Gender, string> = { male: '0', female: '1', unknown: '' };

/** A customer in exactly the reference form: 0,"Gregory Koval",0,"13004 Easy Cider Point","72132","06/04/2013",1,1,1,0 */
export function formatCustomerLine(c: Customer): string {
  const signDate = `${c.signDate.slice(5, 7)}/${c.signDate.slice(8, 10)}/${c.signDate.slice(0, 4)}`;
  return `${c.id},${quoted(c.name)},${GENDER_CODES[c.gender]},${quoted(c.address)},${quoted(c.zip)},"${signDate}",`
    + `${c.active ? 1 : 0},${c.level},${c.campaign},${c.linkedWithApps ? 1 : 0}`;
}
