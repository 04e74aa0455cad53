/**
 * The four solid classes of the volume scenes as signed distance functions (negative inside, in voxels), each with
 * the axis-aligned box that holds it once rotated, so a volume is drawn by evaluating the distance only near the
 * object. The classes differ already at the coarse scale a small 3-D network sees at 32³: a ball, a box with
 * corners, a rod (a long cylinder) and a disc (a flat one). All four are convex, so the middle of the evidence for
 * a solid lies inside it, which the 3-D pointing game counts on (a torus, whose centre is empty, would not do).
 * Platform-free.
 */

export const SOLID_LABELS = ['sphere', 'cube', 'rod', 'disc'] as const;
export type SolidLabel = (typeof SOLID_LABELS)[number];

/** A 3-vector [z, y, x] in voxel coordinates (tensor axes 0, 1, 2: a NIfTI's i, j, k). */
export type Vec3 = [number, number, number];

export interface SolidSpec {
  classIndex: number;
  centre: Vec3;
  /** The solid's main length in voxels: a sphere's diameter, 1.25× a cube's side, a rod's length, a disc's diameter. */
  size: number;
  /** Row-major 3×3 rotation: column c is the solid's own axis c in volume coordinates (axis 2 is a rod's and a disc's). */
  rotation: number[];
  /** In [0, 1): a class-specific proportion (a rod's width, a disc's thickness), some variety within a class. */
  variant: number;
}

export interface Solid {
  centre: Vec3;
  /** Signed distance from a volume point [z, y, x] to the surface, in voxels (negative inside). */
  distance(x: Vec3): number;
  /**
   * Half the size of the axis-aligned box around the centre that holds the rotated solid, per volume axis (exact).
   */
  halfExtent: Vec3;
}

const lerp = (lo: number, hi: number, t: number) => lo + (hi - lo) * t;

/** The solid a spec describes. Proportions: a rod is 0.44–0.54 of its length wide, a disc 0.3–0.4 of its diameter thick. */
export function makeSolid(spec: SolidSpec): Solid {
  const R = spec.rotation;
  const [c0, c1, c2] = spec.centre;
  const s = spec.size;
  /** The point relative to the centre in the solid's own axes, p = Rᵀ (x − c), and the solid's distance there. */
  const local =
    (f: (p0: number, p1: number, p2: number) => number) =>
    ([x0, x1, x2]: Vec3): number => {
      const d0 = x0 - c0;
      const d1 = x1 - c1;
      const d2 = x2 - c2;
      return f(R[0] * d0 + R[3] * d1 + R[6] * d2, R[1] * d0 + R[4] * d1 + R[7] * d2, R[2] * d0 + R[5] * d1 + R[8] * d2);
    };
  // A disc of radius r whose unit normal is the solid's axis 2 reaches r·√(1 − n_i²) along volume axis i.
  const discs = (hh: number, r: number) =>
    [0, 1, 2].map((i) => hh * Math.abs(R[3 * i + 2]) + r * Math.sqrt(Math.max(0, 1 - R[3 * i + 2] ** 2))) as Vec3;
  switch (spec.classIndex) {
    case 0: {
      const r = s / 2;
      return { centre: spec.centre, distance: local((p0, p1, p2) => Math.hypot(p0, p1, p2) - r), halfExtent: [r, r, r] };
    }
    case 1: {
      const b = s * 0.4;
      // A rotated cube reaches b·Σ_c |R[i][c]| along volume axis i (its farthest corner).
      const half = [0, 1, 2].map((i) => b * (Math.abs(R[3 * i]) + Math.abs(R[3 * i + 1]) + Math.abs(R[3 * i + 2]))) as Vec3;
      return { centre: spec.centre, distance: local((p0, p1, p2) => boxDistance(p0, p1, p2, b)), halfExtent: half };
    }
    case 2:
    case 3: {
      // Both are cylinders along the solid's axis 2: a rod (2) is s long and thin, a disc (3) s across and flat.
      const rod = spec.classIndex === 2;
      const hh = rod ? s / 2 : s * lerp(0.15, 0.2, spec.variant);
      const r = rod ? s * lerp(0.22, 0.27, spec.variant) : s / 2;
      return {
        centre: spec.centre,
        distance: local((p0, p1, p2) => cylinderDistance(p0, p1, p2, r, hh)),
        halfExtent: discs(hh, r),
      };
    }
    default:
      throw new RangeError(`Solid class ${spec.classIndex} does not exist (0–${SOLID_LABELS.length - 1}).`);
  }
}

/** A cube of half side b centred at the origin: the distance outside, the (negative) distance to the nearest face inside. */
function boxDistance(p0: number, p1: number, p2: number, b: number): number {
  const q0 = Math.abs(p0) - b;
  const q1 = Math.abs(p1) - b;
  const q2 = Math.abs(p2) - b;
  return Math.hypot(Math.max(q0, 0), Math.max(q1, 0), Math.max(q2, 0)) + Math.min(Math.max(q0, q1, q2), 0);
}

/**
 * A cylinder of radius r and half-height hh along local axis 2. A solid of revolution is a 2-D region in the
 * half-plane (ρ ≥ 0, z), ρ the distance from the axis, and the distance to it is the distance in that plane to the
 * region's boundary off the axis: here the rectangle ρ ≤ r, |z| ≤ hh, whose distance is the 2-D box distance.
 */
function cylinderDistance(p0: number, p1: number, p2: number, r: number, hh: number): number {
  const qr = Math.hypot(p0, p1) - r;
  const qz = Math.abs(p2) - hh;
  return Math.hypot(Math.max(qr, 0), Math.max(qz, 0)) + Math.min(Math.max(qr, qz), 0);
}
