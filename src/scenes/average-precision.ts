/**
 * Average precision for the built-in model's checks: the area under the precision–recall step curve,
 * AP = Σₙ (Rₙ − Rₙ₋₁)·Pₙ over distinct score thresholds from the highest down (tied scores enter together), the
 * definition scikit-learn's average_precision_score uses. Platform-free.
 */

/** AP of one class; NaN when there is no positive (AP is undefined then). */
export function averagePrecision(scores: ArrayLike<number>, targets: ArrayLike<number>): number {
  if (scores.length !== targets.length) throw new RangeError(`${scores.length} scores for ${targets.length} targets.`);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < targets.length; i++) positives += targets[i] ? 1 : 0;
  if (positives === 0) return NaN;
  let tp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < order.length; k++) {
    tp += targets[order[k]] ? 1 : 0;
    // Only at the end of a run of equal scores is there a threshold.
    if (k + 1 < order.length && scores[order[k + 1]] === scores[order[k]]) continue;
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / (k + 1));
    prevRecall = recall;
  }
  return ap;
}

/**
 * Per-class AP and their mean for a multi-label problem: `scores` and `targets` are [samples, classes] row-major.
 * Classes without positives are left out of the mean.
 */
export function meanAveragePrecision(
  scores: ArrayLike<number>,
  targets: ArrayLike<number>,
  classes: number,
): { perClass: number[]; mean: number } {
  const n = scores.length / classes;
  if (!Number.isInteger(n) || targets.length !== scores.length)
    throw new RangeError(`Expected [samples, ${classes}] scores and targets, got ${scores.length} and ${targets.length} values.`);
  const perClass: number[] = [];
  for (let c = 0; c < classes; c++) {
    const s = Float64Array.from({ length: n }, (_, i) => scores[i * classes + c]);
    const t = Float64Array.from({ length: n }, (_, i) => targets[i * classes + c]);
    perClass.push(averagePrecision(s, t));
  }
  const defined = perClass.filter((a) => !Number.isNaN(a));
  return { perClass, mean: defined.reduce((a, b) => a + b, 0) / defined.length };
}
