/**
 * Projection on the first principal component, per image (Eigen-CAM, Muhammad & Yeasin 2020, arXiv:2008.00299,
 * eqs. 4–5; also the 'eigen-smooth' option): the layer's [positions × channels] matrix X, centred per channel, is
 * projected on its first right singular vector v₁: map = X·v₁.
 * Computed from the smaller Gram matrix (XᵀX when channels ≤ positions, else XXᵀ, whose top eigenvector u₁ gives
 * X·v₁ = σ₁·u₁), in float64 with ml-matrix's symmetric eigen-decomposition.
 * A principal component's sign is arbitrary (SVD libraries differ); gcam fixes it so the map correlates positively
 * with the uncentred channel sum Σ_c X (the plain activation map), and failing that, so its largest |value| is positive.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { layerLayout } from './gradcam.js';
import type { CamMaps } from './types.js';

export function firstComponentProjection(data: Float32Array, dims: readonly number[]): CamMaps {
  const { n, c, positions, spatial } = layerLayout(dims);
  const out = new Float32Array(n * positions);
  for (let i = 0; i < n; i++) {
    const x = centred(data.subarray(i * c * positions, (i + 1) * c * positions), c, positions);
    const proj = projectOne(x, c, positions);
    orient(proj, data.subarray(i * c * positions, (i + 1) * c * positions), c, positions);
    out.set(proj, i * positions);
  }
  return { data: out, dims: [n, ...spatial] };
}

/** X[p][k] = data[k·P + p] − mean_p data[k·P + p], as a float64 [P × C] row-major array. */
function centred(data: Float32Array, c: number, positions: number): Float64Array {
  const x = new Float64Array(positions * c);
  for (let k = 0; k < c; k++) {
    let mean = 0;
    for (let p = 0; p < positions; p++) mean += data[k * positions + p];
    mean /= positions;
    for (let p = 0; p < positions; p++) x[p * c + k] = data[k * positions + p] - mean;
  }
  return x;
}

function projectOne(x: Float64Array, c: number, positions: number): Float64Array {
  const small = Math.min(c, positions);
  const gram = new Matrix(small, small);
  if (c <= positions) {
    for (let a = 0; a < c; a++)
      for (let b = a; b < c; b++) {
        let s = 0;
        for (let p = 0; p < positions; p++) s += x[p * c + a] * x[p * c + b];
        gram.set(a, b, s);
        gram.set(b, a, s);
      }
  } else {
    for (let p = 0; p < positions; p++)
      for (let q = p; q < positions; q++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += x[p * c + k] * x[q * c + k];
        gram.set(p, q, s);
        gram.set(q, p, s);
      }
  }
  const evd = new EigenvalueDecomposition(gram, { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  let top = 0;
  for (let j = 1; j < values.length; j++) if (values[j] > values[top]) top = j;
  const lambda = Math.max(0, values[top]);
  const vec = evd.eigenvectorMatrix.getColumn(top);
  const proj = new Float64Array(positions);
  if (c <= positions) {
    for (let p = 0; p < positions; p++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += x[p * c + k] * vec[k];
      proj[p] = s;
    }
  } else {
    const sigma = Math.sqrt(lambda);
    for (let p = 0; p < positions; p++) proj[p] = sigma * vec[p];
  }
  return proj;
}

/** Flips the projection in place so it agrees with the plain channel sum (see the header). */
function orient(proj: Float64Array, data: Float32Array, c: number, positions: number): void {
  let dot = 0;
  let norm = 0;
  let peak = 0;
  for (let p = 0; p < positions; p++) {
    let s = 0;
    for (let k = 0; k < c; k++) s += data[k * positions + p];
    dot += s * proj[p];
    norm += Math.abs(s * proj[p]);
    if (Math.abs(proj[p]) > Math.abs(peak)) peak = proj[p];
  }
  // A dot product that is only rounding noise does not decide the sign.
  const flip = Math.abs(dot) > 1e-9 * norm ? dot < 0 : peak < 0;
  if (flip) for (let p = 0; p < positions; p++) proj[p] = -proj[p];
}
