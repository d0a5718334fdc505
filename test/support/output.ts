import type { Output } from '../../src/lib/cli/kit.js';

/** An Output that keeps library code quiet in tests (warnings are still collected for asserts). */
export const warnings: string[] = [];
export const silentOutput: Output = {
  json: true,
  note() {},
  warn(text) { warnings.push(text); },
  report() {},
  progress: () => ({ update() {}, stop() {} }),
};
