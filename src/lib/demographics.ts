// Ages for customers whose file carries none. The reference cust.csv has no age, yet dashboards show the
// age mix, so an age is derived from the customer id: stable (a hash of the id, no randomness), drawn from a
// fixed distribution shaped like a music-streaming audience, and always marked ageSource 'derived'.
import { AGE_BANDS, type AgeBand } from './records.js';

/** The derived-age distribution: share of customers per age range (inclusive). Documented in docs/formats.md. */
export const DERIVED_AGE_DISTRIBUTION: ReadonlyArray<{ from: number; to: number; share: number }> = [
  { from: 13, to: 17, share: 0.07 },
  { from: 18, to: 24, share: 0.24 },
  { from: 25, to: 34, share: 0.28 },
  { from: 35, to: 44, share: 0.18 },
  { from: 45, to: 54, share: 0.12 },
  { from: 55, to: 64, share: 0.07 },
  { from: 65, to: 79, share: 0.04 },
];

/** A well-mixed 32-bit hash of an integer (the murmur3 finalizer), as a number in [0, 1). */
function unitHash(n: number, salt: number): number {
  let h = (Math.imul(n | 0, 0x9e3779b1) ^ salt) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

const RANGE_SALT = 0x5bd1e995;
const YEAR_SALT = 0x27d4eb2f;

/** The age this project assumes for a customer with no age on file. Same id, same age, everywhere. */
export function derivedAge(customerId: number): number {
  let u = unitHash(customerId, RANGE_SALT);
  let range = DERIVED_AGE_DISTRIBUTION[DERIVED_AGE_DISTRIBUTION.length - 1];
  for (const candidate of DERIVED_AGE_DISTRIBUTION) {
    if (u < candidate.share) {
      range = candidate;
      break;
    }
    u -= candidate.share;
  }
  return range.from + Math.floor(unitHash(customerId, YEAR_SALT) * (range.to - range.from + 1));
}

const BAND_LOWER_BOUNDS = [0, 18, 25, 35, 45, 55, 65];

export function ageBand(age: number): AgeBand {
  let band = 0;
  while (band + 1 < BAND_LOWER_BOUNDS.length && age >= BAND_LOWER_BOUNDS[band + 1]) band += 1;
  return AGE_BANDS[band];
}
