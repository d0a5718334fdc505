// Seeded randomness for the generator: the same seed gives the same bytes. Each part of the data set draws
// from its own stream, so changing --events leaves cust.csv and music.csv as they were.
import { seededRandom } from '../model/split.js';

/** Independent streams of one generator seed. */
export const STREAMS = { customers: 1, catalogue: 2, tastes: 3, listening: 4, clicks: 5 } as const;

export class Random {
  readonly next: () => number; // uniform in [0, 1)

  constructor(seed: number, stream: number) {
    // Spread (seed, stream) over the 32-bit state so neighbouring seeds start far apart.
    this.next = seededRandom(Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(stream, 0xc2b2ae35));
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A whole number in [from, to]. */
  between(from: number, to: number): number {
    return from + this.int(to - from + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }

  /** exp(N(0, sigma^2)): a positive multiplier with median 1. */
  lognormal(sigma: number): number {
    return Math.exp(sigma * this.normal());
  }

  /** Trials until the first success, at least 1, mean 1/p. */
  geometric(p: number): number {
    return 1 + Math.floor(Math.log(1 - this.next()) / Math.log(1 - p));
  }
}

/** Draws indices in proportion to fixed weights (cumulative sums and a binary search). */
export class WeightedPicker {
  private readonly cumulative: Float64Array;

  constructor(weights: ArrayLike<number>) {
    this.cumulative = new Float64Array(weights.length);
    let sum = 0;
    for (let i = 0; i < weights.length; i++) {
      sum += Math.max(0, weights[i]);
      this.cumulative[i] = sum;
    }
    if (!(sum > 0)) throw new RangeError('WeightedPicker needs at least one positive weight');
  }

  pick(random: Random): number {
    const c = this.cumulative;
    const target = random.next() * c[c.length - 1];
    let lo = 0;
    let hi = c.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

/** Splits `total` into whole parts proportional to `weights`, summing exactly to `total` (largest remainder). */
export function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum > 0 ? (w / sum) * total : 0));
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = exact.map((_, i) => i).sort((a, b) => (exact[b] - parts[b]) - (exact[a] - parts[a]) || a - b);
  for (let k = 0; left > 0; k = (k + 1) % byRemainder.length, left--) parts[byRemainder[k]] += 1;
  return parts;
}
