// What every command shares: global flags, the JSON/human output contract, progress bars, exit codes.
import chalk from 'chalk';
import cliProgress from 'cli-progress';
import { Command, CommanderError } from 'commander';
import { DEFAULTS, resolveConfig, type Config, type GlobalFlags } from '../config.js';
import { MusicflowError, UsageError } from '../errors.js';
import { printable } from './printable.js';
import { wholeNumberOf } from '../whole-number.js';

export interface Output {
  json: boolean;
  /** Human progress and notes: stderr, so stdout stays one JSON object under --json. */
  note(text: string): void;
  warn(text: string): void;
  /** The command's report: one JSON object with --json, else the human lines on stdout. */
  report(result: object, human: () => string[]): void;
  progress(label: string, total: number): Progress;
}

export interface Progress {
  update(done: number, extra?: string): void;
  stop(): void;
}

const quiet: Progress = { update() {}, stop() {} };

// A reader that closes early (e.g. `musicflow status --json | head -c 10`) is not our failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

export function output(json: boolean): Output {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  return {
    json,
    note: (text) => process.stderr.write(`${printable(text)}\n`),
    warn: (text) => process.stderr.write(`${chalk.yellow('warning:')} ${printable(text)}\n`),
    report(result, human) {
      if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else process.stdout.write(`${human().join('\n')}\n`);
    },
    progress(label, total) {
      if (!tty) return quiet;
      const bar = new cliProgress.SingleBar({
        format: `${label} {bar} {percentage}% | {value}/{total} {extra}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
      }, cliProgress.Presets.shades_classic);
      bar.start(Math.max(total, 1), 0, { extra: '' });
      return {
        update: (done, extra = '') => bar.update(done, { extra }),
        stop: () => bar.stop(),
      };
    },
  };
}

/** The dashboard server's unexpected errors, as notes: a known error by its message, anything else with its stack (a bug to report). */
export function serverErrorNote(out: Output, server: string): (err: Error) => void {
  return (err) => out.note(`${server}: ${err instanceof MusicflowError ? err.message : err.stack ?? err.message}`);
}

/** Adds the global backend flags and --json to a command. */
export function withGlobals(cmd: Command, opts: { json?: boolean } = { json: true }): Command {
  cmd
    .option('--data-dir <dir>', 'embedded state folder (env MUSICFLOW_HOME)')
    .option('--kafka <brokers>', 'Kafka brokers host:port,... (env MUSICFLOW_KAFKA_BROKERS)')
    .option('--kafka-client <name>', 'Kafka client library: kafkajs (default) or platformatic (env MUSICFLOW_KAFKA_CLIENT)')
    .option('--redis <url>', 'Redis URL (env MUSICFLOW_REDIS_URL)')
    .option('--topic <name>', 'event log topic (env MUSICFLOW_TOPIC)')
    .option('--elasticsearch <url>', 'Elasticsearch node URL(s) for the index, comma separated (env MUSICFLOW_ELASTICSEARCH_URL)')
    .option('--index-names', 'also index customers\' names and addresses (default: ids only; env MUSICFLOW_INDEX_NAMES=1)')
    .option('--config <file>', 'JSON config file (env MUSICFLOW_CONFIG)');
  if (opts.json !== false) cmd.option('--json', 'print one JSON object on stdout; notes go to stderr');
  return cmd;
}

export function configOf(flags: GlobalFlags): Config {
  if (flags.dataDir === '') throw new UsageError(`--data-dir: empty; name a folder (without the flag: $MUSICFLOW_HOME, else ${DEFAULTS.dataDir})`);
  return resolveConfig(flags);
}

/** Runs a command body, turning known errors into a message and an exit code. */
export async function run(body: () => Promise<number | void>): Promise<void> {
  try {
    const code = await body();
    process.exitCode = code ?? 0;
  } catch (err) {
    if (err instanceof MusicflowError) {
      process.stderr.write(`${chalk.red('error:')} ${printable(err.message)}\n`);
      process.exitCode = err.exitCode;
    } else if (err instanceof CommanderError) {
      process.exitCode = 2;
    } else {
      process.stderr.write(`${chalk.red('error:')} ${printable((err as Error).stack ?? String(err))}\n`);
      process.exitCode = 1;
    }
  }
}

/** "Example:" lines under a command's --help. */
export function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

// Plain decimals: Number() alone would also take "", " ", "0x10" and "1e3".
const DECIMAL = /^(\d+(\.\d*)?|\.\d+)$/;

/** Parses a numeric option or fails with a usage error naming it. */
export function numberOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = DECIMAL.test(value) ? Number(value) : NaN;
  if (!(Number.isFinite(n) && n >= min)) {
    throw new UsageError(`${name}: expected a number >= ${min}, got "${value}"`);
  }
  return n;
}

const DURATION_UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "12h", "30d" -> milliseconds. */
export function durationOption(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text.trim());
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]] : NaN;
  if (!(ms > 0)) throw new UsageError(`${name}: expected a duration like 90s, 30m, 12h or 30d, got "${text}"`);
  return ms;
}

/** Parses a count, limit, id or seed: digits only, so 2.5 is refused rather than rounded or passed on. */
export function wholeNumberOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = wholeNumberOf(value);
  if (n === null || n < min) {
    throw new UsageError(`${name}: expected a whole number >= ${min}, got "${value}"`);
  }
  return n;
}

