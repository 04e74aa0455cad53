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
    const { level, pixels, rhs } = fineLevel(removed, height, width);
    const levels = hierarchy(level);
    for (let c = 0; c < channels; c++) {
      const plane = out.subarray(c * hw, (c + 1) * hw);
      const x = solve(levels, rhs(plane));
      pixels.forEach((p, i) => (plane[p] = x[i]));
    }
  }
  if (noise > 0) {
    const rng = new Prng(seed, 11);
    for (let c = 0; c < channels; c++) for (let p = 0; p < hw; p++) if (removed[p]) out[c * hw + p] += noise * gaussian(rng);
  }
  return { image: out, allRemoved };
}

/**
 * The system over the removed pixels (numbered in row-major order): its matrix, the pixel of each unknown, and the
 * right-hand side of a channel, Σ over kept neighbours of w·v.
 */
function fineLevel(removed: Uint8Array, height: number, width: number) {
  const pixels: number[] = [];
  const index = new Int32Array(height * width).fill(-1);
  for (let p = 0; p < removed.length; p++) if (removed[p]) index[p] = pixels.push(p) - 1;
  const diagonal = new Float64Array(pixels.length);
  const start = new Int32Array(pixels.length + 1);
  const col: number[] = [];
  const val: number[] = [];
  const knownStart = new Int32Array(pixels.length + 1);
  const knownPixel: number[] = [];
  const knownWeight: number[] = [];
  pixels.forEach((p, i) => {
    const y = Math.floor(p / width);
    const x = p % width;
    DIRECTIONS.forEach(([dy, dx], d) => {
      const yy = y + dy;
      const xx = x + dx;
      if (yy < 0 || yy >= height || xx < 0 || xx >= width) return;
      const q = yy * width + xx;
      diagonal[i] += WEIGHTS[d];
      if (removed[q]) {
        col.push(index[q]);
        val.push(-WEIGHTS[d]);
      } else {
        knownPixel.push(q);
        knownWeight.push(WEIGHTS[d]);
      }
    });
    start[i + 1] = col.length;
    knownStart[i + 1] = knownPixel.length;
  });
  const level: Level = {
    y: Int32Array.from(pixels, (p) => Math.floor(p / width)),
    x: Int32Array.from(pixels, (p) => p % width),
    diagonal,
    start,
    col: Int32Array.from(col),
    val: Float64Array.from(val),
  };
  const rhs = (plane: Float64Array) =>
    Float64Array.from(pixels, (_, i) => {
      let s = 0;
      for (let e = knownStart[i]; e < knownStart[i + 1]; e++) s += knownWeight[e] * plane[knownPixel[e]];
      return s;
    });
  return { level, pixels, rhs };
}

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Prng): number {
  const u = 1 - rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.float());
}
