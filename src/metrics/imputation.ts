/**
 * Noisy linear imputation (ROAD, Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy for Attribution
 * Methods", arXiv:2202.00449, sec. 4): every removed pixel becomes the weighted mean of its 8 neighbours, weight 1/6
 * for the 4 edge neighbours and 1/12 for the 4 diagonal ones, removed neighbours being unknowns themselves, so all
 * removed pixels are solved for at once (one sparse linear system per channel); then Gaussian noise is added to them.
 * At the image border only the neighbours inside the image count, with their weights as they are (the mean divides by
 * the weights present, not by 1), as the reference implementation does.
 *
 * System for removed pixel i with in-image neighbours N(i):  S_i·x_i − Σ_{j∈N(i) removed} w_ij·x_j =
 * Σ_{k∈N(i) kept} w_ik·v_k, with S_i = Σ_{j∈N(i)} w_ij. The matrix is symmetric and diagonally dominant: positive
 * definite whenever a pixel is kept (every group of removed pixels then touches one: the pixel grid is connected), and
 * solved by multigrid-preconditioned conjugate gradients (multigrid.ts); singular, with a zero right-hand side, when
 * every pixel is removed (a low percentile of a map with many equal values). Then the minimum-norm solution, 0
 * everywhere, is taken and `allRemoved` is set.
 */
import { Prng } from '../scenes/prng.js';
import { DIRECTIONS, hierarchy, solve, type Level } from './multigrid.js';

/** Weight of the neighbour in each direction of DIRECTIONS: 1/12 diagonal, 1/6 edge. */
const WEIGHTS = DIRECTIONS.map(([dy, dx]) => (dy !== 0 && dx !== 0 ? 1 / 12 : 1 / 6));

export interface ImputationResult {
  /** [C, H, W]: kept pixels as given, removed ones imputed (plus noise). */
  image: Float64Array;
  /** Every pixel was removed: the image is 0 (plus noise). */
  allRemoved: boolean;
}

/**
 * @param image [C, H, W] the model input (normalised), channels imputed independently
 * @param removed [H, W], 1 where the pixel is removed
 * @param noise standard deviation of the additive Gaussian noise on removed pixels (0: none)
 * @param seed seeds the noise
 */
export function noisyLinearImpute(
  image: ArrayLike<number>,
  removed: Uint8Array,
  height: number,
  width: number,
  noise: number,
  seed: number,
): ImputationResult {
  const hw = height * width;
  const channels = image.length / hw;
  const out = Float64Array.from(image);
  const allRemoved = removed.every((r) => r === 1);
  if (allRemoved) out.fill(0);
  else if (removed.some((r) => r === 1)) {
    const levels = hierarchy(fineLevel(removed, height, width));
    for (let c = 0; c < channels; c++) {
      const plane = out.subarray(c * hw, (c + 1) * hw);
      const x = solve(levels, rightHandSide(plane, removed, height, width));
      for (let p = 0; p < hw; p++) if (removed[p]) plane[p] = x[p];
    }
  }
  if (noise > 0) {
    const rng = new Prng(seed, 11);
    for (let c = 0; c < channels; c++) for (let p = 0; p < hw; p++) if (removed[p]) out[c * hw + p] += noise * gaussian(rng);
  }
  return { image: out, allRemoved };
}

/** The system's matrix as a 9-point stencil per removed pixel. */
function fineLevel(removed: Uint8Array, height: number, width: number): Level {
  const diagonal = new Float64Array(height * width);
  const offDiagonal = new Float64Array(height * width * 8);
  forNeighbours(removed, height, width, (p, d, q) => {
    diagonal[p] += WEIGHTS[d];
    if (removed[q]) offDiagonal[p * 8 + d] = -WEIGHTS[d];
  });
  return { height, width, diagonal, offDiagonal };
}

/** Σ over kept neighbours of w·v, per removed pixel (0 elsewhere). */
function rightHandSide(plane: Float64Array, removed: Uint8Array, height: number, width: number): Float64Array {
  const b = new Float64Array(height * width);
  forNeighbours(removed, height, width, (p, d, q) => {
    if (!removed[q]) b[p] += WEIGHTS[d] * plane[q];
  });
  return b;
}

/** Calls f(p, d, q) for every removed pixel p and each of its in-image neighbours q (direction d). */
function forNeighbours(removed: Uint8Array, height: number, width: number, f: (p: number, d: number, q: number) => void): void {
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (!removed[p]) continue;
      for (let d = 0; d < 8; d++) {
        const yy = y + DIRECTIONS[d][0];
        const xx = x + DIRECTIONS[d][1];
        if (yy >= 0 && yy < height && xx >= 0 && xx < width) f(p, d, yy * width + xx);
      }
    }
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Prng): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}
