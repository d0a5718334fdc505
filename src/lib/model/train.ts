// Logistic regression fitted by Newton's method (iteratively reweighted least squares) with a small L2
// penalty on the weights (not the intercept). ml-logistic-regression's optimiser (fixed-step gradient
// descent, 50,000 steps, no intercept, one-vs-all even for two classes) took 56 s for 3,500 rows and missed
// the reference error; Newton converges in about ten passes over the data. Numbers in docs/model.md.

export interface LogisticModel {
  weights: number[]; // one per (standardised) feature
  intercept: number;
}

export interface FitOptions {
  /** L2 penalty on the weights, per row (the loss is a mean); keeps separable data from diverging. */
  l2: number;
  maxIterations: number;
  /** Stop when an iteration lowers the mean loss by less than this. */
  tolerance: number;
}

// A tiny penalty: enough to keep the weights finite when the classes are (nearly) separable, as on the
// reference features, yet close to the unpenalised fit the reference used (Spark LBFGS, no regularisation).
// On features.txt, 200 seeds: 1e-6 -> mean 0.50%, worst 1.00%; 1e-4 -> mean 0.58%, worst 1.13%.
export const DEFAULT_FIT: FitOptions = { l2: 1e-6, maxIterations: 100, tolerance: 1e-10 };

export interface FitResult {
  model: LogisticModel;
  iterations: number;
  converged: boolean;
  /** Penalised mean log-loss on the training rows. */
  loss: number;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

export function clickProbability(model: LogisticModel, row: readonly number[]): number {
  let z = model.intercept;
  for (let j = 0; j < model.weights.length; j++) z += model.weights[j] * row[j];
  return sigmoid(z);
}

/** log(1 + e^z) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Solves A x = b for a symmetric positive definite A (row-major, m x m) by Cholesky; null if not SPD. */
function solveSpd(a: Float64Array, b: Float64Array, m: number): Float64Array | null {
  const l = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * m + j];
      for (let k = 0; k < j; k++) sum -= l[i * m + k] * l[j * m + k];
      if (i === j) {
        if (!(sum > 0)) return null;
        l[i * m + i] = Math.sqrt(sum);
      } else {
        l[i * m + j] = sum / l[j * m + j];
      }
    }
  }
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i * m + k] * y[k];
    y[i] = sum / l[i * m + i];
  }
  const x = new Float64Array(m);
  for (let i = m - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < m; k++) sum -= l[k * m + i] * x[k];
    x[i] = sum / l[i * m + i];
  }
  return x;
}

/** Fits on standardised rows; labels 0/1. Both classes must be present. */
export function fitLogistic(rows: readonly number[][], labels: readonly (0 | 1)[], options: FitOptions = DEFAULT_FIT): FitResult {
  const n = rows.length;
  if (n === 0 || n !== labels.length) throw new RangeError(`need as many labels as rows (rows ${n}, labels ${labels.length})`);
  const d = rows[0].length;
  const m = d + 1; // the last parameter is the intercept
  // Rows with a trailing 1, flat, so the inner loops run over one typed array.
  const x = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    x.set(rows[i], i * m);
    x[i * m + d] = 1;
  }
  const theta = new Float64Array(m);
  const z = new Float64Array(n);

  const lossAt = (params: Float64Array, scores: Float64Array): number => {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += x[i * m + j] * params[j];
      scores[i] = s;
      sum += softplus(s) - labels[i] * s;
    }
    let penalty = 0;
    for (let j = 0; j < d; j++) penalty += params[j] * params[j];
    return sum / n + (options.l2 / 2) * penalty;
  };

  let loss = lossAt(theta, z);
  let iterations = 0;
  let converged = false;
  const gradient = new Float64Array(m);
  const hessian = new Float64Array(m * m);
  const candidate = new Float64Array(m);
  const candidateScores = new Float64Array(n);
  while (iterations < options.maxIterations && !converged) {
    iterations += 1;
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(z[i]);
      const residual = p - labels[i];
      const weight = p * (1 - p);
      const base = i * m;
      for (let j = 0; j < m; j++) {
        const xj = x[base + j];
        gradient[j] += residual * xj;
        const wxj = weight * xj;
        for (let k = 0; k <= j; k++) hessian[j * m + k] += wxj * x[base + k];
      }
    }
    for (let j = 0; j < m; j++) {
      gradient[j] /= n;
      for (let k = 0; k <= j; k++) {
        hessian[j * m + k] /= n;
        hessian[k * m + j] = hessian[j * m + k];
      }
    }
    for (let j = 0; j < d; j++) {
      gradient[j] += options.l2 * theta[j];
      hessian[j * m + j] += options.l2;
    }
    hessian[d * m + d] += 1e-12; // the intercept is unpenalised; this keeps H definite if all p are 0 or 1
    const step = solveSpd(hessian, gradient, m);
    if (step === null) break;
    // Backtracking: halve the Newton step until the loss goes down.
    let t = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 30; halvings++, t /= 2) {
      for (let j = 0; j < m; j++) candidate[j] = theta[j] - t * step[j];
      const candidateLoss = lossAt(candidate, candidateScores);
      if (candidateLoss <= loss) {
        converged = loss - candidateLoss < options.tolerance;
        theta.set(candidate);
        z.set(candidateScores);
        loss = candidateLoss;
        accepted = true;
        break;
      }
    }
    if (!accepted) converged = true; // no step lowers the loss: we are at the minimum to machine precision
  }
  return {
    model: { weights: Array.from(theta.subarray(0, d)), intercept: theta[d] },
    iterations,
    converged,
    loss,
  };
}
