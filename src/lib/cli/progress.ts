// How the commands show the use cases' progress events on a terminal: warnings for rejected lines, the
// stream's one-line status, and progress bars. The use cases only report; this module decides what is shown.
import type { DemoProgress } from '../app/demo.js';
import type { SeedProgress } from '../app/seed.js';
import type { StreamProgress, StreamStanding } from '../app/stream.js';
import { latin1Warning } from '../formats/lines.js';
import type { Output, Progress } from './kit.js';
import { rejectNote } from './printable.js';

/** How many rejected lines are named one by one before only counting. */
const SHOWN_REJECTS = 20;

/** Seeding's rejected lines and Latin-1 files as warnings; `finish` counts the rejected lines not named (once). */
export function seedWarnings(out: Output): { onProgress(event: SeedProgress): void; finish(): void } {
  let rejected = 0;
  return {
    onProgress(event) {
      if (event.kind === 'not-utf8') out.warn(latin1Warning(event.file, event.lines));
      else if (rejected++ < SHOWN_REJECTS) out.warn(rejectNote(event.letter));
    },
    finish() {
      if (rejected > SHOWN_REJECTS) out.warn(`... and ${rejected - SHOWN_REJECTS} more rejected or duplicate lines`);
      rejected = 0;
    },
  };
}

/**
 * The stream's pauses as warnings and, with `status`, its standing as one line on stderr: redrawn in place
 * on a terminal (at most twice a second), else a new line every five seconds.
 */
export function streamStatus(out: Output, options: { status: boolean; tty?: boolean }): (event: StreamProgress) => void {
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  let lastShown = 0;
  const show = (s: StreamStanding) => {
    const line = `stream: ${s.eventsProcessed} events (${s.recordsPerSec}/s) | lag ${s.lag} | dead letters ${s.deadLetters} | interests +${s.newInterests}`;
    process.stderr.write(tty ? `\r${line}\x1b[K` : `${line}\n`);
  };
  return (event) => {
    if (event.kind === 'paused') {
      out.warn(`stream: ${event.problem}; paused, retry ${event.attempt} in ${event.retryInMs} ms (nothing is committed meanwhile)`);
      return;
    }
    if (!options.status) return;
    const now = Date.now();
    if (event.kind === 'batch' && now - lastShown < (tty ? 500 : 5000)) return;
    lastShown = now;
    show(event.standing);
    if (event.kind === 'stopped' && tty) process.stderr.write('\n');
  };
}

/** One progress bar at a time: a bar is shown while its step reports, and stopped when another step begins. */
class StepBar {
  private shown: { label: string; bar: Progress } | null = null;

  constructor(private readonly out: Output) {}

  update(label: string, done: number, of: number): void {
    if (this.shown?.label !== label) {
      this.stop();
      this.shown = { label, bar: this.out.progress(label, of) };
    }
    this.shown.bar.update(done);
  }

  stop(): void {
    this.shown?.bar.stop();
    this.shown = null;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The demo's steps as notes, bars and the stream's status line; `finish` clears what is still drawn. */
export function demoProgress(out: Output): { onProgress(event: DemoProgress): void; finish(): void } {
  const bar = new StepBar(out);
  const seed = seedWarnings(out);
  const stream = streamStatus(out, { status: true });
  return {
    onProgress(event) {
      if (event.kind !== 'generating' && event.kind !== 'replaying') bar.stop();
      if (event.kind !== 'seed') seed.finish(); // seeding is over once another step reports
      switch (event.kind) {
        case 'reusing-data': return out.note(`reusing the generated data in ${event.folder}`);
        case 'generating': return bar.update('generating tracks.csv', event.plays, event.of);
        case 'generated': return out.note(`generated ${event.plays} plays for ${event.customers} customers in ${event.folder}`);
        case 'clearing-state': return out.note(`starting from a clean state in ${event.dataDir} (the demo's own files: ${event.files.join(', ')})`);
        case 'seeding': return out.note(`seeding customers, tracks and clicks from ${event.folder}`);
        case 'seed': return seed.onProgress(event.event);
        case 'replaying': return bar.update('replay', event.sent, event.of);
        case 'stream': return stream(event.event);
        case 'training': return out.note('training the offer model on the live profiles and the clicks');
        case 'trained': {
          const { model } = event;
          return out.note('model_version' in model && model.deployed
            ? `model v${model.model_version} deployed: error ${pct(model.error)} vs baseline ${pct(model.baseline_error)}`
            : `no model deployed: ${model.reason}`);
        }
        case 'delivering': return out.note(`asking the offer API for customer ${event.customerId}'s offer, then sending the SMS queue to the outbox`);
      }
    },
    finish: () => bar.stop(),
  };
}
