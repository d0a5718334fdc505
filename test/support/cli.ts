// Runs the musicflow command line as a user would: its exit code, stdout and stderr.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../../bin/musicflow', import.meta.url));
const run = promisify(execFile);

export interface CliResult { code: number; stdout: string; stderr: string }

// The embedded default, whatever servers the test run has exported for the server suites.
export const embeddedEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MUSICFLOW_')));

export async function musicflow(...args: string[]): Promise<CliResult> {
  return musicflowVia([], ...args);
}

/** The command line started through a wrapper such as `setpriv ...` (another user) or `unshare -m ...` (a mount of its own). */
export async function musicflowVia(wrapper: string[], ...args: string[]): Promise<CliResult> {
  const [file, ...wrapperArgs] = [...wrapper, process.execPath, BIN, ...args];
  try {
    const { stdout, stderr } = await run(file, wrapperArgs, { env: embeddedEnv });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as CliResult;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
