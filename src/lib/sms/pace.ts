// Keeping under a provider's rate limit: each send takes the next free slot, 1/rate seconds after the one before,
// so a burst after an idle spell is spread out instead of hitting the provider at once.
import { sleep } from '../sleep.js';

export class Pace {
  private next = 0;

  /** `perSecond` null: no limit. */
  constructor(private readonly perSecond: number | null, private readonly now: () => number = () => performance.now()) {}

  /** Resolves when this caller may send (at once when the signal aborts). */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.perSecond === null) return;
    const now = this.now();
    const slot = Math.max(now, this.next);
    this.next = slot + 1000 / this.perSecond;
    if (slot > now) await sleep(slot - now, signal);
  }
}
