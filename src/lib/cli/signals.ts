// Ctrl-C and SIGTERM stop long-running commands cleanly: the first asks the work to finish its
// batch and commit; a second one exits at once.
import type { Output } from './kit.js';

export function stopSignal(out: Output, what: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      out.warn(`${what}: second ${name}, exiting without waiting`);
      process.exit(130);
    }
    out.note(`${what}: ${name} received, finishing the current batch and committing (again to force)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
