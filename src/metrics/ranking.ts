/** Orderings of a map's pixels shared by the perturbation metrics. Platform-free. */

/**
 * The p-th percentile of float32 `values` as NumPy's np.percentile computes it (method 'linear') and as ROAD's
 * reference then compares it with a float32 map: rank r = (p / 100)·(n − 1), t = r − ⌊r⌋, a = v[⌊r⌋], b = v[⌊r⌋+1],
 * d = b − a in float32, value = a + d·t (or b − d·(1 − t) when t ≥ 0.5), rounded to float32. The exact rounding steps
 * matter: they decide whether a pixel whose value equals the threshold is removed.
 */
export function percentile(values: Float32Array, p: number): number {
  const sorted = Float32Array.from(values).sort();
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const t = rank - lo;
  const a = sorted[lo];
  const b = sorted[Math.min(lo + 1, sorted.length - 1)];
  const d = Math.fround(b - a);
  return Math.fround(t >= 0.5 ? b - d * (1 - t) : a + d * t);
}

/** Pixel indices by decreasing map value; equal values keep their row-major order (a stable sort). */
export function mostRelevantFirst(map: ArrayLike<number>): Uint32Array {
  const order = Uint32Array.from({ length: map.length }, (_, i) => i);
  return order.sort((a, b) => map[b] - map[a] || a - b);
}
