// Held-out metrics of a binary classifier. Class 1 is "clicked the offer".

export interface Confusion {
  tp: number; // predicted click, clicked
  fp: number; // predicted click, did not click
  tn: number;
  fn: number;
}

export interface Evaluation {
  error: number; // share of test rows predicted wrongly
  baselineError: number; // error of always predicting the training part's majority class
  precision: number; // 0 when nothing is predicted to click
  recall: number; // 0 when nobody in the test part clicked
  f1: number;
  auc: number | null; // null when the test part holds one class only
  confusion: Confusion;
}

export function confusionOf(labels: readonly (0 | 1)[], predicted: readonly (0 | 1)[]): Confusion {
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  labels.forEach((label, i) => {
    if (predicted[i] === 1) {
      if (label === 1) c.tp += 1;
      else c.fp += 1;
    } else if (label === 1) c.fn += 1;
    else c.tn += 1;
  });
  return c;
}

const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

export function rates(c: Confusion): Pick<Evaluation, 'error' | 'precision' | 'recall' | 'f1'> {
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return {
    error: ratio(c.fp + c.fn, c.tp + c.fp + c.tn + c.fn),
    precision,
    recall,
    f1: ratio(2 * precision * recall, precision + recall),
  };
}

/**
 * ROC AUC as the probability that a random clicker scores above a random non-clicker (ties count half),
 * computed from average ranks (Mann-Whitney U).
 */
export function rocAuc(labels: readonly (0 | 1)[], scores: readonly number[]): number | null {
  const order = scores.map((score, i) => ({ score, label: labels[i] })).sort((a, b) => a.score - b.score);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1].score === order[start].score) end += 1;
    const averageRank = (start + end) / 2 + 1; // ranks are 1-based
    for (let i = start; i <= end; i++) {
      if (order[i].label === 1) {
        positives += 1;
        positiveRankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Error on the test labels of always answering the class most common in the training labels. */
export function majorityBaselineError(trainLabels: readonly (0 | 1)[], testLabels: readonly (0 | 1)[]): number {
  const trainPositives = trainLabels.filter((l) => l === 1).length;
  const majority: 0 | 1 = trainPositives * 2 > trainLabels.length ? 1 : 0;
  return ratio(testLabels.filter((l) => l !== majority).length, testLabels.length);
}

/** Scores above or at `cutoff` are predicted clicks. */
export function evaluate(testLabels: readonly (0 | 1)[], probabilities: readonly number[], trainLabels: readonly (0 | 1)[], cutoff = 0.5): Evaluation {
  const predicted = probabilities.map((p): 0 | 1 => (p >= cutoff ? 1 : 0));
  const confusion = confusionOf(testLabels, predicted);
  return {
    ...rates(confusion),
    baselineError: majorityBaselineError(trainLabels, testLabels),
    auc: rocAuc(testLabels, probabilities),
    confusion,
  };
}
