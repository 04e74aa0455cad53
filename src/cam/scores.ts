/** Score maths in one place: the explain pipeline's predictions and Score-CAM's channel weights use it. */
import type { OutputActivation } from '../autodiff/rewrite.js';

/** softmax(v), computed stably (the maximum subtracted first, so large logits cannot overflow). */
export function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  const e = Float64Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/** Indices of the k largest values, largest first; ties keep the lower index first (ArgMax's first maximum). */
export function topIndices(row: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: row.length }, (_, i) => i)
    .sort((a, b) => row[b] - row[a] || a - b)
    .slice(0, k);
}

/** The model's probabilities from its scores (logits under a Softmax/Sigmoid, or the output itself). */
export function outputProbabilities(row: ArrayLike<number>, activation: OutputActivation): Float64Array {
  if (activation === 'softmax') return softmax(row);
  if (activation === 'sigmoid') return Float64Array.from(row, (v) => 1 / (1 + Math.exp(-v)));
  return Float64Array.from(row);
}
