// Standardisation: each feature minus its mean, over its standard deviation, both measured on the training
// part only (measuring them on the test part would let it leak into the model).

export interface Scaler {
  mean: number[];
  scale: number[];
}

export function fitScaler(rows: readonly number[][]): Scaler {
  if (rows.length === 0) throw new RangeError('cannot fit a scaler on no rows');
  const width = rows[0].length;
  const mean = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) mean[j] += row[j];
  for (let j = 0; j < width; j++) mean[j] /= rows.length;
  const variance = new Array<number>(width).fill(0);
  for (const row of rows) for (let j = 0; j < width; j++) variance[j] += (row[j] - mean[j]) ** 2;
  // A constant feature (e.g. no Gold customer in the data) keeps scale 1: it then contributes nothing.
  const scale = variance.map((v) => {
    const sd = Math.sqrt(v / rows.length);
    return sd > 1e-12 ? sd : 1;
  });
  return { mean, scale };
}

export function standardise(scaler: Scaler, row: readonly number[]): number[] {
  return row.map((v, j) => (v - scaler.mean[j]) / scaler.scale[j]);
}
