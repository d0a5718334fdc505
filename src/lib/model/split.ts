// Stratified, seeded train/test split: each class is shuffled with the seed and cut at the same share,
// so both parts keep the click rate of the whole and the same seed always gives the same split.

/** mulberry32: a small, fast, well-mixed 32-bit generator; numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

export interface Split<T> {
  train: T[];
  test: T[];
}

/** Puts round(trainShare x class size) of each class in `train`, the rest in `test`. */
export function stratifiedSplit<T>(items: readonly T[], labelOf: (item: T) => 0 | 1, trainShare: number, seed: number): Split<T> {
  if (!(trainShare > 0 && trainShare < 1)) throw new RangeError(`train share must be between 0 and 1, got ${trainShare}`);
  const random = seededRandom(seed);
  const byClass: [T[], T[]] = [[], []];
  for (const item of items) byClass[labelOf(item)].push(item);
  const split: Split<T> = { train: [], test: [] };
  for (const members of byClass) {
    shuffleInPlace(members, random);
    const cut = Math.round(members.length * trainShare);
    split.train.push(...members.slice(0, cut));
    split.test.push(...members.slice(cut));
  }
  return split;
}
