// Replaying a tracks file into the event log: paced by rate or by the log's own timestamps,
// optionally retimed to now, looped, or following a growing file. A file's plays are sent once per line:
// the log keeps how far each file was sent (as Logstash's sincedb and Kafka Connect's source offsets do),
// so a re-run, after a crash or not, resumes after the last line the log holds.
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { proveKind } from '../formats/read.js';
import { formatTrackLine, parseTrackLine } from '../formats/tracks.js';
import type { EventLog, FilePosition, LogRecord } from '../ports.js';
import type { DeadLetter } from '../records.js';
import { sleep } from '../sleep.js';
import { fileIdentity, tailLines } from '../formats/tail.js';

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
  /** Send the file from its first line although the log holds it already. */
  again?: boolean;
  limit?: number;
  /** Lines to pass over where the run starts (each pass). */
  skip?: number;
  signal: AbortSignal;
  batchSize?: number;
  onProgress?: (report: ReplayReport) => void;
  onReject?: (letter: DeadLetter) => void;
}

export interface ReplayReport {
  file: string;
  events_sent: number;
  rejected: number;
  /** Lines read (sent or rejected; a header row and blank lines are not): lines_read = events_sent + rejected. */
  lines_read: number;
  /** Of the lines sent, those read only after mending (see docs/formats.md). */
  repaired: number;
  /** Of the lines read, those that were not UTF-8 and were read as Latin-1. */
  not_utf8: number;
  passes: number;
  /** The file's last line the log held before this run (null: none, or plays that are new by design). */
  resumed_after_line: number | null;
  /** The log held the whole file already: nothing was sent. */
  already_sent: boolean;
  elapsed_ms: number;
  events_per_sec: number;
}

const START: FilePosition = { line: 0, byte: 0 };
/** A followed file without a complete first line has no identity yet: look again this often. */
const IDENTITY_POLL_MS = 250;

export async function replayFile(log: EventLog, options: ReplayOptions): Promise<ReplayReport> {
  const started = Date.now();
  const file = resolve(options.file);
  const report: ReplayReport = {
    file, events_sent: 0, rejected: 0, lines_read: 0, repaired: 0, not_utf8: 0, passes: 0, resumed_after_line: null, already_sent: false, elapsed_ms: 0, events_per_sec: 0,
  };
  // A wrong file (empty, another kind, UTF-16, a folder) stops here, as it does for every command.
  const proof = await proveKind(file, 'tracks', started, options.follow);
  const headerLine = proof?.headerLine ?? null;
  const pacer = new Pacer(options.rate, options.speedup);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const stampWhenSent = options.rate !== undefined && options.speedup === undefined;
  // Small batches when pacing, so sends are spread evenly; large ones at full speed.
  const batchSize = options.batchSize ?? (options.rate ? Math.max(1, Math.min(2048, Math.floor(options.rate / 20))) : options.speedup ? 256 : 4096);
  // A looped or retimed pass is new plays by design; anything else is the file's plays, sent once.
  let sender = options.loop || options.retime ? new Sender(log, report, null) : await fileSender(log, file, options, report);

  while (sender !== null) {
    report.passes += 1;
    let origin: { log: number; now: number } | null = null; // retime: the pass's first event, and when it was sent
    pacer.startPass();
    let toSkip = options.skip ?? 0;
    let replaced = false;
    const tail = tailLines(file, sender.position, { follow: options.follow, signal: options.signal, batchSize, onTruncated: () => { replaced = true; } });
    for await (const { lines, position } of tail) {
      if (replaced) break;
      let cutShort = false;
      for (const line of lines) {
        if (line.lineNo === headerLine) {
          sender.passed(line.end);
          continue;
        }
        if (toSkip > 0) {
          toSkip -= 1;
          sender.passed(line.end);
          continue;
        }
        if (sender.holds(line.lineNo)) {
          sender.passed(line.end);
          continue;
        }
        if (report.events_sent + sender.pending >= limit) {
          cutShort = true;
          break;
        }
        report.lines_read += 1;
        if (line.notUtf8) report.not_utf8 += 1;
        const parsed = parseTrackLine(line.text);
        if (!parsed.ok) {
          const letter: DeadLetter = { source: file, line: line.lineNo, reason: parsed.reason, raw: line.text, stage: 'replay', at: Date.now() };
          sender.reject(letter, line.end);
          options.onReject?.(letter);
          continue;
        }
        const event = parsed.value;
        if (line.notUtf8 || parsed.repaired !== undefined) report.repaired += 1;
        // Send what is ready before sleeping, so pacing holds within a batch.
        await pacer.wait(event.time, sender.pending, () => sender!.flush());
        let value = line.text;
        if (options.retime && stampWhenSent) {
          value = formatTrackLine({ ...event, time: Date.now() });
        } else if (options.retime) {
          origin ??= { log: event.time, now: Date.now() };
          value = formatTrackLine({ ...event, time: origin.now + Math.round((event.time - origin.log) / (options.speedup ?? 1)) });
        }
        sender.send({ key: String(event.customerId), value, source: { file, line: line.lineNo } }, line.end);
      }
      if (!cutShort) sender.passed(position); // blank lines at the end of the batch
      await sender.flush();
      options.onProgress?.({ ...report, elapsed_ms: Date.now() - started });
      if (report.events_sent >= limit || options.signal.aborted) break;
    }
    if (replaced && !options.signal.aborted) {
      // A followed file was replaced (rotated): the new one is another file, sent once in its turn.
      report.passes -= 1;
      sender = await fileSender(log, file, options, report);
      continue;
    }
    if (!options.loop || options.follow || report.events_sent >= limit || options.signal.aborted) break;
  }

  report.elapsed_ms = Date.now() - started;
  report.events_per_sec = Math.round(report.events_sent / Math.max(report.elapsed_ms / 1000, 0.001));
  return report;
}

/** The sender of a file's plays, resuming after what the log holds; null when it holds the whole file (or stopped). */
async function fileSender(log: EventLog, file: string, options: ReplayOptions, report: ReplayReport): Promise<Sender | null> {
  const fileId = await waitForIdentity(file, options);
  if (fileId === null) return null;
  const progress = options.again ? null : await log.fileProgress(fileId);
  if (progress === null) return new Sender(log, report, { fileId, position: START, alsoSent: new Set() });
  report.resumed_after_line = progress.position.line;
  if (!options.follow && progress.alsoSent.size === 0 && progress.position.byte >= (await stat(file)).size) {
    report.already_sent = true;
    return null;
  }
  return new Sender(log, report, { fileId, ...progress });
}

/** The file's identity; a followed file gets one once its first line is complete (null: stopped meanwhile). */
async function waitForIdentity(file: string, options: ReplayOptions): Promise<string | null> {
  for (;;) {
    const id = await fileIdentity(file, options.follow);
    if (id !== null || options.signal.aborted) return id;
    await sleep(IDENTITY_POLL_MS, options.signal);
  }
}

interface FileState { fileId: string; position: FilePosition; alsoSent: Set<number> }

/** Collects a batch's records and rejected lines and sends them; for a file sent once, with its new position. */
class Sender {
  private records: LogRecord[] = [];
  private rejects: DeadLetter[] = [];
  /** Where the file stands once what is collected is sent. */
  private reached: FilePosition;

  constructor(private readonly log: EventLog, private readonly report: ReplayReport, private readonly file: FileState | null) {
    this.reached = file?.position ?? START;
  }

  /** Where reading starts. */
  get position(): FilePosition {
    return this.file?.position ?? START;
  }

  get pending(): number {
    return this.records.length;
  }

  /** The log holds this line already (a step a crash cut short). */
  holds(lineNo: number): boolean {
    return this.file?.alsoSent.has(lineNo) ?? false;
  }

  send(record: LogRecord, end: FilePosition): void {
    this.records.push(record);
    this.reached = end;
  }

  reject(letter: DeadLetter, end: FilePosition): void {
    this.rejects.push(letter);
    this.reached = end;
  }

  /** Lines up to `end` need nothing sent (blank, skipped or held already). */
  passed(end: FilePosition): void {
    this.reached = end;
  }

  async flush(): Promise<void> {
    const records = this.records.splice(0);
    const deadLetters = this.rejects.splice(0);
    if (this.file !== null) {
      if (this.reached.byte === this.file.position.byte) return;
      await this.log.appendFromFile({ fileId: this.file.fileId, from: this.file.position, to: this.reached, records, deadLetters });
      this.file.position = this.reached;
    } else {
      if (records.length > 0) await this.log.append(records);
      if (deadLetters.length > 0) await this.log.appendDeadLetters(deadLetters);
    }
    this.report.events_sent += records.length;
    this.report.rejected += deadLetters.length;
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
