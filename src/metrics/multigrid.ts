/**
 * A solver for the symmetric positive definite 9-point systems of ROAD's imputation (imputation.ts): conjugate
 * gradients preconditioned by an aggregation multigrid V-cycle. Plain Jacobi-preconditioned CG needs iterations in
 * proportion to the width of the removed region (seconds per channel at 224×224); one V-cycle removes the smooth
 * error that makes it slow, so about twenty iterations reach the same residual.
 *
 * A level holds its unknowns only (compressed rows: a diagonal and up to 8 neighbour couplings each) and their grid
 * positions. The coarse level aggregates the unknowns of each 2×2 block: A_c = Pᵀ·A·P with P piecewise constant
 * (Galerkin), which keeps a 9-point stencil and symmetry. The V-cycle is forward Gauss–Seidel before and backward
 * Gauss–Seidel after the coarse correction, so it is a symmetric positive definite preconditioner, as CG needs.
 */

/** [dy, dx] of the 8 neighbours. */
export const DIRECTIONS: readonly (readonly [number, number])[] = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
];

/**
 * Scale of the coarse correction: piecewise-constant interpolation underestimates smooth errors about twofold on a 2-D
 * Laplacian, and doubling it took 69 iterations down to 22 at 224×224. Any positive scale keeps the preconditioner
 * symmetric positive definite (it scales a positive semi-definite term).
 */
const OVERCORRECTION = 2;

export interface Level {
  /** Grid position of each unknown. */
  y: Int32Array;
  x: Int32Array;
  diagonal: Float64Array;
  /** Couplings of unknown i: col/val[start[i] … start[i + 1]). */
  start: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

interface Work {
  level: Level;
  /** Index of each unknown's aggregate on the next level (absent on the coarsest). */
  parent?: Int32Array;
  x: Float64Array;
  r: Float64Array;
  b: Float64Array;
}

export type Hierarchy = Work[];

function apply(l: Level, x: Float64Array, y: Float64Array): void {
  const { diagonal, start, col, val } = l;
  for (let i = 0; i < diagonal.length; i++) {
    let v = diagonal[i] * x[i];
    for (let e = start[i], end = start[i + 1]; e < end; e++) v += val[e] * x[col[e]];
    y[i] = v;
  }
}

/** One Gauss–Seidel sweep on A·x = b, forward or backward (two loops: a per-element branch halves the speed). */
function gaussSeidel(l: Level, b: Float64Array, x: Float64Array, backward: boolean): void {
  const { diagonal, start, col, val } = l;
  const n = diagonal.length;
  if (backward)
    for (let i = n - 1; i >= 0; i--) {
      let v = b[i];
      for (let e = start[i], end = start[i + 1]; e < end; e++) v -= val[e] * x[col[e]];
      x[i] = v / diagonal[i];
    }
  else
    for (let i = 0; i < n; i++) {
      let v = b[i];
      for (let e = start[i], end = start[i + 1]; e < end; e++) v -= val[e] * x[col[e]];
      x[i] = v / diagonal[i];
    }
}

/** The Galerkin coarse level Pᵀ·A·P of 2×2 aggregates, and each fine unknown's aggregate. */
function coarsen(f: Level): { level: Level; parent: Int32Array } {
  const n = f.diagonal.length;
  const parent = new Int32Array(n);
  const ids = new Map<number, number>();
  const ys: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const cy = f.y[i] >> 1;
    const cx = f.x[i] >> 1;
    const key = cy * 65536 + cx;
    let id = ids.get(key);
    if (id === undefined) {
      id = ys.length;
      ids.set(key, id);
      ys.push(cy);
      xs.push(cx);
    }
    parent[i] = id;
  }
  const m = ys.length;
  // Aggregates couple only to the 8 around them: 9 slots per row (4 = itself), compressed afterwards.
  const dense = new Float64Array(m * 9);
  const slot = (a: number, b: number) => (ys[b] - ys[a] + 1) * 3 + (xs[b] - xs[a] + 1);
  for (let i = 0; i < n; i++) {
    const a = parent[i];
    dense[a * 9 + 4] += f.diagonal[i];
    for (let e = f.start[i]; e < f.start[i + 1]; e++) dense[a * 9 + slot(a, parent[f.col[e]])] += f.val[e];
  }
  const diagonal = new Float64Array(m);
  const start = new Int32Array(m + 1);
  const col: number[] = [];
  const val: number[] = [];
  const byOffset = new Map(ys.map((y, i) => [y * 65536 + xs[i], i]));
  for (let a = 0; a < m; a++) {
    diagonal[a] = dense[a * 9 + 4];
    for (let s = 0; s < 9; s++) {
      const v = dense[a * 9 + s];
      if (s === 4 || v === 0) continue;
      col.push(byOffset.get((ys[a] + Math.floor(s / 3) - 1) * 65536 + xs[a] + (s % 3) - 1)!);
      val.push(v);
    }
    start[a + 1] = col.length;
  }
  const level = {
    y: Int32Array.from(ys),
    x: Int32Array.from(xs),
    diagonal,
    start,
    col: Int32Array.from(col),
    val: Float64Array.from(val),
  };
  return { level, parent };
}

/** The hierarchy down to at most 16 unknowns. */
export function hierarchy(fine: Level): Hierarchy {
  const work = (level: Level): Work => {
    const n = level.diagonal.length;
    return { level, x: new Float64Array(n), r: new Float64Array(n), b: new Float64Array(n) };
  };
  const levels = [work(fine)];
  while (levels[levels.length - 1].level.diagonal.length > 16) {
    const { level, parent } = coarsen(levels[levels.length - 1].level);
    levels[levels.length - 1].parent = parent;
    levels.push(work(level));
  }
  return levels;
}

/** x ≈ A⁻¹·b by one V-cycle from level k down, in level k's x (b in its b). */
function vCycle(h: Hierarchy, k: number): void {
  const { level, x, r, b, parent } = h[k];
  x.fill(0);
  if (!parent) {
    // The coarsest level (≤ 16 unknowns): symmetric sweeps, a fixed number so the cycle stays one linear operator.
    for (let s = 0; s < 32; s++) {
      gaussSeidel(level, b, x, false);
      gaussSeidel(level, b, x, true);
    }
    return;
  }
  gaussSeidel(level, b, x, false);
  apply(level, x, r);
  const coarse = h[k + 1];
  coarse.b.fill(0);
  for (let i = 0; i < x.length; i++) coarse.b[parent[i]] += b[i] - r[i];
  vCycle(h, k + 1);
  for (let i = 0; i < x.length; i++) x[i] += OVERCORRECTION * coarse.x[parent[i]];
  gaussSeidel(level, b, x, true);
}

/** Solves A·x = b on the finest level to a residual of 1e-12·|b|. */
export function solve(h: Hierarchy, b: Float64Array): Float64Array {
  const n = b.length;
  const x = new Float64Array(n);
  const bb = dot(b, b);
  if (bb === 0) return x;
  const top = h[0];
  const r = Float64Array.from(b);
  const precondition = () => {
    top.b.set(r);
    vCycle(h, 0);
    return top.x;
  };
  let z = precondition();
  const d = Float64Array.from(z);
  const q = new Float64Array(n);
  let rz = dot(r, z);
  for (let it = 0; it < 1000 && dot(r, r) > 1e-24 * bb; it++) {
    apply(top.level, d, q);
    const alpha = rz / dot(d, q);
    for (let i = 0; i < n; i++) {
      x[i] += alpha * d[i];
      r[i] -= alpha * q[i];
    }
    z = precondition();
    const next = dot(r, z);
    const beta = next / rz;
    rz = next;
    for (let i = 0; i < n; i++) d[i] = z[i] + beta * d[i];
  }
  return x;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
