/** Numeric comparison helpers for tests: report the worst element so failures say where and by how much. */
import assert from 'node:assert/strict';

/** The largest |actual − expected| and where it is (a NaN anywhere wins), plus max |expected|. */
export function worstError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what = 'values',
): { worst: number; at: number; maxExpected: number } {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs expected ${expected.length}`);
  let maxExpected = 0;
  for (let i = 0; i < expected.length; i++) maxExpected = Math.max(maxExpected, Math.abs(expected[i]));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
      if (Number.isNaN(d)) break; // a NaN must not be overwritten by a later finite error
    }
  }
  return { worst, at, maxExpected };
}

/** Asserts |actual − expected| ≤ tol · max(1, max|expected|) elementwise. */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const { worst, at, maxExpected } = worstError(actual, expected, what);
  const scale = Math.max(1, maxExpected);
  assert.ok(
    worst <= tol * scale,
    `${what}: max error ${worst} at index ${at} (got ${actual[at]}, expected ${expected[at]}), tolerance ${tol * scale}`,
  );
}

/** max |a − b| over all elements. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return worstError(a, b).worst;
}

/** Smallest and largest value. */
export function range(a: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < a.length; i++) {
    min = Math.min(min, a[i]);
    max = Math.max(max, a[i]);
  }
  return { min, max };
}
