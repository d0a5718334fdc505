// `musicflow generate`: writes cust.csv, music.csv, tracks.csv and clicks.csv in the reference formats,
// streamed to disk, the same bytes for the same options.
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { InputFileError } from '../errors.js';
import { CLICKS_HEADER, formatClickLine } from '../formats/clicks.js';
import { formatIsoDate } from '../formats/datetime.js';
import { CUSTOMERS_HEADER, formatCustomerLine } from '../formats/customers.js';
import { formatMusicLine, MUSIC_HEADER } from '../formats/music.js';
import { formatTrackLine } from '../formats/tracks.js';
import { generateCatalogue } from './catalogue.js';
import { generateClicks, ListeningTally } from './clicks.js';
import { ZipAtlas } from './geography.js';
import { listeningLog } from './listening.js';
import { generateCustomers, generateListeners } from './people.js';
import { Random, STREAMS } from './random.js';

export interface GenerateOptions {
  customers: number;
  tracks: number;
  events: number;
  days: number;
  seed: number;
  start: number; // epoch ms of the first day, midnight UTC
  out: string;
  /** Called as tracks.csv grows, with the plays written so far. */
  onPlays?: (written: number) => void;
}

export interface GeneratedFiles {
  customers: string;
  music: string;
  tracks: string;
  clicks: string;
}

export interface GenerateSummary {
  out: string;
  files: GeneratedFiles;
  customers: number;
  tracks: number;
  events: number;
  clicks: number;
  offered: number; // customers offered ADV_REDUCED_1DAY (active, below Gold, listened)
  offer_clicks: number;
  seed: number;
  start: string;
  days: number;
}

export const GENERATED_FILE_NAMES: GeneratedFiles = { customers: 'cust.csv', music: 'music.csv', tracks: 'tracks.csv', clicks: 'clicks.csv' };

/** Where the four generated files are (or go) in a folder. */
export function generatedFilesIn(folder: string): GeneratedFiles {
  return {
    customers: join(folder, GENERATED_FILE_NAMES.customers),
    music: join(folder, GENERATED_FILE_NAMES.music),
    tracks: join(folder, GENERATED_FILE_NAMES.tracks),
    clicks: join(folder, GENERATED_FILE_NAMES.clicks),
  };
}

/** Lines into a file, written in large pieces, waiting when the disk is behind. */
class LineFile {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }

  async add(line: string): Promise<void> {
    this.parts.push(line);
    this.size += line.length + 1;
    if (this.size >= 1 << 18) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.stream.write(`${this.parts.join('\n')}\n`);
    this.parts = [];
    this.size = 0;
    if (!ok) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

async function writeLines(path: string, header: string | null, lines: Iterable<string>): Promise<void> {
  const file = new LineFile(path);
  if (header !== null) await file.add(header);
  for (const line of lines) await file.add(line);
  await file.close();
}

const PROGRESS_EVERY = 50_000;

export async function generateDataSet(options: GenerateOptions): Promise<GenerateSummary> {
  const { seed } = options;
  try {
    await mkdir(options.out, { recursive: true });
  } catch (err) {
    throw new InputFileError(options.out, `cannot create the output folder (${(err as NodeJS.ErrnoException).code}): choose another --out`);
  }
  const files = generatedFilesIn(options.out);
  const atlas = new ZipAtlas();
  const homes = generateCustomers(options.customers, options.start, atlas, new Random(seed, STREAMS.customers));
  const customers = homes.map((h) => h.customer);
  await writeLines(files.customers, CUSTOMERS_HEADER, customers.map(formatCustomerLine));

  const catalogue = generateCatalogue(options.tracks, new Random(seed, STREAMS.catalogue));
  await writeLines(files.music, MUSIC_HEADER, catalogue.tracks.map(formatMusicLine));

  const listeners = generateListeners(homes, catalogue, new Random(seed, STREAMS.tastes));
  const tally = new ListeningTally(options.customers, options.tracks);
  const log = new LineFile(files.tracks);
  let written = 0;
  const plan = { start: options.start, days: options.days, events: options.events };
  for (const chunk of listeningLog(listeners, catalogue, atlas, plan, new Random(seed, STREAMS.listening))) {
    for (const play of chunk) {
      tally.add(play);
      await log.add(formatTrackLine(play));
      written += 1;
      if (written % PROGRESS_EVERY === 0) options.onPlays?.(written);
    }
  }
  await log.close();
  options.onPlays?.(written);

  const outcome = generateClicks(customers, tally, new Random(seed, STREAMS.clicks));
  await writeLines(files.clicks, CLICKS_HEADER, outcome.clicks.map(formatClickLine));

  return {
    out: options.out,
    files,
    customers: customers.length,
    tracks: catalogue.tracks.length,
    events: written,
    clicks: outcome.clicks.length,
    offered: outcome.offered,
    offer_clicks: outcome.offerClicks,
    seed,
    start: formatIsoDate(options.start),
    days: options.days,
  };
}
