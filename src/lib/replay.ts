// Replaying a tracks file into the event log: paced by rate or by the log's own timestamps,
// optionally retimed to now, looped, or following a growing file with its position remembered.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { formatTrackLine, parseTrackLine } from './formats/tracks.js';
import type { EventLog, LogRecord } from './ports.js';
import type { DeadLetter } from './records.js';
import { sleep } from './sleep.js';
import { tailLines, type TailPosition } from './tail.js';

export interface ReplayOptions {
  file: string;
  rate?: number; // events per second
  speedup?: number; // follow the log's timestamps, this many times faster
  /**
   * Move event times to now. Paced by --rate alone, each event is stamped with the moment it is sent (so
   * live traffic looks live); otherwise the first event of each pass is now and the log's gaps are kept,
   * divided by --speedup.
   */
  retime: boolean;
  follow: boolean;
  loop: boolean;
  limit?: number;
  /** Lines to pass over at the start of the file (each pass), e.g. what an earlier run already sent. */
  skip?: number;
  signal: AbortSignal;
  /** With --follow: where read positions are remembered across restarts (like Logstash's sincedb). */
  positionsFile?: string;
  batchSize?: number;
  onProgress?: (report: ReplayReport) => void;
  onReject?: (letter: DeadLetter) => void;
}

export interface ReplayReport {
  file: string;
  events_sent: number;
  rejected: number;
  lines_read: number;
  passes: number;
  elapsed_ms: number;
  events_per_sec: number;
}

export async function replayFile(log: EventLog, options: ReplayOptions): Promise<ReplayReport> {
  const started = Date.now();
  const file = resolve(options.file);
  const report: ReplayReport = { file, events_sent: 0, rejected: 0, lines_read: 0, passes: 0, elapsed_ms: 0, events_per_sec: 0 };
  const positions = options.follow && options.positionsFile ? new PositionBook(options.positionsFile) : null;
  const pacer = new Pacer(options.rate, options.speedup);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const stampWhenSent = options.rate !== undefined && options.speedup === undefined;
  // Small batches when pacing, so sends are spread evenly; large ones at full speed.
  const batchSize = options.batchSize ?? (options.rate ? Math.max(1, Math.min(2048, Math.floor(options.rate / 20))) : options.speedup ? 256 : 4096);

  do {
    report.passes += 1;
    let origin: { log: number; now: number } | null = null; // retime: the pass's first event, and when it was sent
    pacer.startPass();
    const from: TailPosition = positions?.get(file) ?? { byte: 0, line: 0 };
    let toSkip = options.skip ?? 0;
    for await (const { lines, position } of tailLines(file, from, { follow: options.follow, signal: options.signal, batchSize })) {
      const records: LogRecord[] = [];
      const rejects: DeadLetter[] = [];
      let cutShort = false;
      for (const { lineNo, text } of lines) {
        if (toSkip > 0) {
          toSkip -= 1;
          continue;
        }
        if (report.events_sent + records.length >= limit) {
          cutShort = true;
          break;
        }
        report.lines_read += 1;
        const parsed = parseTrackLine(text);
        if (!parsed.ok) {
          const letter: DeadLetter = { source: file, line: lineNo, reason: parsed.reason, raw: text, stage: 'replay', at: Date.now() };
          rejects.push(letter);
          options.onReject?.(letter);
          continue;
        }
        const event = parsed.value;
        await pacer.wait(event.time, records.length, async () => {
          // Send what is ready before sleeping, so pacing holds within a batch.
          await flush(log, records, rejects, report);
        });
        let value = text;
        if (options.retime && stampWhenSent) {
          value = formatTrackLine({ ...event, time: Date.now() });
        } else if (options.retime) {
          origin ??= { log: event.time, now: Date.now() };
          value = formatTrackLine({ ...event, time: origin.now + Math.round((event.time - origin.log) / (options.speedup ?? 1)) });
        }
        records.push({ key: String(event.customerId), value, source: { file, line: lineNo } });
      }
      await flush(log, records, rejects, report);
      if (!cutShort) positions?.set(file, position);
      options.onProgress?.({ ...report, elapsed_ms: Date.now() - started });
      if (report.events_sent >= limit || options.signal.aborted) break;
    }
  } while (options.loop && !options.follow && report.events_sent < limit && !options.signal.aborted);

  report.elapsed_ms = Date.now() - started;
  report.events_per_sec = Math.round(report.events_sent / Math.max(report.elapsed_ms / 1000, 0.001));
  return report;
}

async function flush(log: EventLog, records: LogRecord[], rejects: DeadLetter[], report: ReplayReport): Promise<void> {
  if (records.length > 0) {
    const sent = records.splice(0);
    await log.append(sent);
    report.events_sent += sent.length;
  }
  if (rejects.length > 0) {
    const letters = rejects.splice(0);
    await log.appendDeadLetters(letters);
    report.rejected += letters.length;
  }
}

/** Decides when the next event may be sent: by rate, by the log's own clock, or both (the later). */
class Pacer {
  private passStart = 0;
  private sent = 0;
  private firstEventTime: number | null = null;

  constructor(private readonly rate?: number, private readonly speedup?: number) {}

  startPass(): void {
    this.passStart = Date.now();
    this.sent = 0;
    this.firstEventTime = null;
  }

  async wait(eventTime: number, pending: number, beforeSleep: () => Promise<void>): Promise<void> {
    this.firstEventTime ??= eventTime;
    let due = this.passStart;
    if (this.rate) due = Math.max(due, this.passStart + (this.sent * 1000) / this.rate);
    if (this.speedup) due = Math.max(due, this.passStart + (eventTime - this.firstEventTime) / this.speedup);
    this.sent += 1;
    const delay = due - Date.now();
    if (delay > 5) {
      if (pending > 0) await beforeSleep();
      await sleep(delay);
    }
  }
}

/** Read positions of followed files, kept in a small JSON file and replaced atomically. */
class PositionBook {
  private readonly positions: Record<string, TailPosition>;

  constructor(private readonly path: string) {
    this.positions = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
  }

  get(file: string): TailPosition | undefined {
    return this.positions[file];
  }

  set(file: string, position: TailPosition): void {
    this.positions[file] = position;
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(`${this.path}.tmp`, JSON.stringify(this.positions, null, 2));
    renameSync(`${this.path}.tmp`, this.path);
  }
}
