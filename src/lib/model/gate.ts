// The deployment gate: a model is used only while its held-out error is at most the threshold the user
// set AND below the error of always answering the majority class (else it has learnt nothing useful).

export interface GateDecision {
  passed: boolean;
  reason: string;
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export function applyGate(error: number, baselineError: number, threshold: number): GateDecision {
  if (error > threshold) {
    return { passed: false, reason: `error ${pct(error)} is above the threshold ${pct(threshold)}` };
  }
  if (!(error < baselineError)) {
    return { passed: false, reason: `error ${pct(error)} is not below the majority-class baseline ${pct(baselineError)}` };
  }
  return { passed: true, reason: `error ${pct(error)} is within the threshold ${pct(threshold)} and below the baseline ${pct(baselineError)}` };
}
