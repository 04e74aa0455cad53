/** Score maths in one place: the explain pipeline's predictions and Score-CAM's channel weights use it. */
import type { OutputActivation } from '../autodiff/rewrite.js';

/** softmax(v), computed stably (the maximum subtracted first, so large logits cannot overflow). */
export function softmax(v: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < v.length; i++) m = Math.max(m, v[i]);
  // Plain loops: Float64Array.from with a callback, reduce and map cost ~75 µs per 1000 classes (CPU profile).
  const e = new Float64Array(v.length);
  let s = 0;
  for (let i = 0; i < e.length; i++) {
    e[i] = Math.exp(v[i] - m);
    s += e[i];
  }
  for (let i = 0; i < e.length; i++) e[i] /= s;
  return e;
}

/** Above this k, topIndices sorts: selection costs k steps per element in the worst case. */
const SELECT_MAX_K = 32;

/**
 * Indices of the k largest values, largest first; ties keep the lower index first (ArgMax's first maximum). Small k
 * (the predicted class, the top predictions) by one pass that keeps the best k in order: sorting all 1000 ImageNet
 * classes for each image took 3 ms of MobileNetV2's batch of 8 (CPU profile of the library call). Rows with a NaN,
 * and larger or unusual k, are sorted as before.
 */
export function topIndices(row: ArrayLike<number>, k: number): number[] {
  if (!(Number.isInteger(k) && k >= 1 && k <= SELECT_MAX_K)) return sortedIndices(row, k);
  const top: number[] = [];
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v !== v) return sortedIndices(row, k);
    if (top.length === k && !(v > row[top[k - 1]])) continue;
    // Strictly larger moves ahead, so an equal value keeps the lower index first.
    let j = top.length < k ? top.length : k - 1;
    while (j > 0 && v > row[top[j - 1]]) {
      if (j < k) top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}

function sortedIndices(row: ArrayLike<number>, k: number): number[] {
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
