// The fast scanner for well-formed quoted lines must read exactly what csv-parse reads, and leave every
// line it is unsure of to csv-parse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { splitCsvLine, wellFormedFields } from '../../src/lib/formats/csv.js';

const csvParse = (line: string) => parse(line, { ltrim: true, rtrim: true, relax_column_count: true }) as string[][];

test('well-formed quoted lines read as csv-parse reads them', () => {
  const lines = [
    '1,"Ann <b>Bold</b>",1,"1 Main St","10001","01/15/2013",1,0,1,1', ' "a" , "b" ', '"a""b",c', '"",""', '"a,b",c ,  d',
    'a,,b,', ',', '"x"', '""""', 'x, "y",z', '5,"Hello, Goodbye",The Beatles,208',
  ];
  for (const line of lines) assert.deepEqual(wellFormedFields(line), csvParse(line)[0], line);
});

test('lines with doubtful quoting are left to csv-parse, and still mended', () => {
  for (const line of ['a,"b', 'a,"b"x,c', 'a,b"c,d', '"a""', '"a" "b",c']) assert.equal(wellFormedFields(line), null, line);
  assert.deepEqual(splitCsvLine('326,Helplessly Hoping,"Crosby,195'), {
    fields: ['326', 'Helplessly Hoping', 'Crosby', '195'],
    repaired: 'broken quoting (CSV_QUOTE_NOT_CLOSED): quote marks dropped, fields split at commas',
  });
});
