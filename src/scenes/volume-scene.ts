/**
 * Procedural volumes with known answers, the 3-D counterpart of scene.ts: one or two solids (sphere, cube, cylinder,
 * cone) at random sizes, orientations, positions and intensities, brighter than a noisy, slowly varying background,
 * in a cube of voxels stored as 8-bit values (like an 8-bit scan); each solid with its voxel mask. Platform-free; the
 * same seed always gives the same voxels.
 */
import { Prng } from './prng.js';
import { makeSolid, SOLID_LABELS, type Solid, type SolidLabel, type SolidSpec, type Vec3 } from './solids.js';

export { SOLID_LABELS, type SolidLabel, type SolidSpec } from './solids.js';

export interface VolumeSceneOptions {
  /** Voxels per side (default 32). Solid sizes and spacing scale with it. */
  size?: number;
  /** Fewest and most solids (defaults 1 and 2); the count is uniform between them. */
  minObjects?: number;
  maxObjects?: number;
  /** Exactly these classes, one solid each, in this order (overrides the count). */
  classes?: readonly number[];
}

export interface VolumeObject {
  classIndex: number;
  label: SolidLabel;
  /** Where and how it is drawn: centre [z, y, x] in voxel coordinates (voxel v's centre is at v), size, rotation. */
  solid: SolidSpec;
  /** The 8-bit levels it stands above the background. */
  contrast: number;
  /** 1 for the voxels whose centre lies inside the solid, row-major [D, H, W] like the volume. */
  mask: Uint8Array;
  /** Voxels in the mask. */
  voxels: number;
}

export interface VolumeScene {
  /** 8-bit voxel values, row-major [D, H, W]. */
  data: Uint8Array;
  dims: [number, number, number];
  objects: VolumeObject[];
  seed: number;
}

/** At 32 voxels: solids 9–14 voxels long, ≥ 1 voxel from the border and ≥ 4 voxels (one cell of an 8³ map) apart. */
const MIN_SIZE = 9;
const MAX_SIZE = 14;
const MARGIN = 1;
const GAP = 4;
const PLACEMENT_TRIES = 400;

export function generateVolumeScene(seed: number, options: VolumeSceneOptions = {}): VolumeScene {
  const n = options.size ?? 32;
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? 2;
  if (!(Number.isInteger(n) && n >= 16)) throw new RangeError(`Volume size must be an integer ≥ 16, got ${n}.`);
  if (!(Number.isInteger(minObjects) && minObjects >= 0 && maxObjects >= minObjects))
    throw new RangeError(`Object counts must satisfy 0 ≤ minObjects ≤ maxObjects, got ${minObjects} and ${maxObjects}.`);
  for (const c of options.classes ?? [])
    if (!(Number.isInteger(c) && c >= 0 && c < SOLID_LABELS.length))
      throw new RangeError(`Class ${c} does not exist (0–${SOLID_LABELS.length - 1}).`);

  const rng = new Prng(seed);
  const scale = n / 32;
  const field = background(rng, n);
  const classes =
    options.classes ?? Array.from({ length: rng.int(minObjects, maxObjects) }, () => rng.int(0, SOLID_LABELS.length - 1));
  const objects = placeSolids(rng, classes, n, scale).map(({ spec, solid }): VolumeObject => {
    const contrast = rng.range(45, 110);
    const { mask, voxels } = drawSolid(field, n, solid, contrast);
    return { classIndex: spec.classIndex, label: SOLID_LABELS[spec.classIndex], solid: spec, contrast, mask, voxels };
  });
  // Noise from its own stream: the layout draws above never shift it, nor it them.
  const noise = new Prng(seed, 1);
  const sigma = 3 + 5 * noise.float();
  const data = new Uint8Array(field.length);
  for (let i = 0; i < field.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(field[i] + sigma * noise.quickNormal())));
  return { data, dims: [n, n, n], objects, seed };
}

/**
 * A level of 20–90, a linear ramp of up to 25 levels across the volume in a random direction, and three faint
 * Gaussian blobs (σ 3–7 voxels at 32, ±15 levels): an uneven background that no solid is made of.
 */
function background(rng: Prng, n: number): Float32Array {
  const scale = n / 32;
  const level = rng.range(20, 90);
  const dir = unitVector(rng);
  const ramp = rng.range(0, 25) / n;
  const blobs = Array.from({ length: 3 }, () => ({
    at: [rng.range(0, n), rng.range(0, n), rng.range(0, n)],
    sigma: rng.range(3, 7) * scale,
    amp: rng.range(-15, 15),
  }));
  const out = new Float32Array(n * n * n);
  const mid = (n - 1) / 2;
  for (let z = 0, i = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++, i++) {
        let v = level + ramp * (dir[0] * (z - mid) + dir[1] * (y - mid) + dir[2] * (x - mid));
        for (const b of blobs) {
          const r2 = (z - b.at[0]) ** 2 + (y - b.at[1]) ** 2 + (x - b.at[2]) ** 2;
          v += b.amp * Math.exp(-r2 / (2 * b.sigma * b.sigma));
        }
        out[i] = v;
      }
  return out;
}

/** A uniformly random direction (Archimedes: z uniform in [−1, 1], the angle around it uniform). */
function unitVector(rng: Prng): Vec3 {
  const z = rng.range(-1, 1);
  const a = rng.range(0, 2 * Math.PI);
  const r = Math.sqrt(1 - z * z);
  return [z, r * Math.sin(a), r * Math.cos(a)];
}

/** A uniformly random rotation, row-major 3×3, from a uniform unit quaternion (Shoemake, Graphics Gems III, 1992). */
export function randomRotation(rng: Prng): number[] {
  const u1 = rng.float();
  const u2 = rng.range(0, 2 * Math.PI);
  const u3 = rng.range(0, 2 * Math.PI);
  const a = Math.sqrt(1 - u1);
  const b = Math.sqrt(u1);
  const [x, y, z, w] = [a * Math.sin(u2), a * Math.cos(u2), b * Math.sin(u3), b * Math.cos(u3)];
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    1 - 2 * (x * x + z * z),
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    1 - 2 * (x * x + y * y),
  ];
}

/**
 * The solids at random sizes, orientations and positions inside the volume, each at least GAP voxels from the others.
 * Rejection sampling of the whole layout (a large first solid in the middle could leave no room for a second); the
 * largest size allowed shrinks with failed tries so that two solids always fit.
 */
function placeSolids(rng: Prng, classes: readonly number[], n: number, scale: number): { spec: SolidSpec; solid: Solid }[] {
  for (let t = 0; t < PLACEMENT_TRIES; t++) {
    const maxSize = MAX_SIZE - ((MAX_SIZE - MIN_SIZE) * t) / PLACEMENT_TRIES;
    const placed: { spec: SolidSpec; solid: Solid }[] = [];
    for (const classIndex of classes) {
      const spec: SolidSpec = {
        classIndex,
        centre: [0, 0, 0],
        size: rng.range(MIN_SIZE, maxSize) * scale,
        rotation: randomRotation(rng),
        variant: rng.float(),
      };
      const half = makeSolid(spec).halfExtent;
      // Voxel v covers [v − 0.5, v + 0.5]: the box stays MARGIN voxels inside [−0.5, n − 0.5].
      if (half.some((h) => 2 * (h + MARGIN * scale) > n)) break;
      spec.centre = half.map((h) => rng.range(MARGIN * scale - 0.5 + h, n - 0.5 - MARGIN * scale - h)) as Vec3;
      const solid = makeSolid(spec);
      if (!placed.every((p) => apart(p.solid, solid, GAP * scale, n))) break;
      placed.push({ spec, solid });
    }
    if (placed.length === classes.length) return placed;
  }
  throw new RangeError(`Cannot fit ${classes.length} solids in a ${n}³ volume; ask for fewer.`);
}

/** The voxel index range [lo, hi] of a solid's box grown by `grow` voxels, per axis, clipped to the volume. */
function voxelBox(solid: Solid, grow: number, n: number): [number, number][] {
  return solid.centre.map((c, a) => [
    Math.max(0, Math.floor(c - solid.halfExtent[a] - grow)),
    Math.min(n - 1, Math.ceil(c + solid.halfExtent[a] + grow)),
  ]);
}

/**
 * Whether two solids keep `gap` voxels apart: at every voxel near both, the two distances add up to at least `gap`
 * (for any point, distance to A + distance to B ≥ the distance between A and B; it is negative inside either).
 */
function apart(a: Solid, b: Solid, gap: number, n: number): boolean {
  const ba = voxelBox(a, gap, n);
  const bb = voxelBox(b, gap, n);
  const lo = ba.map((r, i) => Math.max(r[0], bb[i][0]));
  const hi = ba.map((r, i) => Math.min(r[1], bb[i][1]));
  for (let z = lo[0]; z <= hi[0]; z++)
    for (let y = lo[1]; y <= hi[1]; y++)
      for (let x = lo[2]; x <= hi[2]; x++) if (a.distance([z, y, x]) + b.distance([z, y, x]) < gap) return false;
  return true;
}

/**
 * Adds a solid to the field, `contrast` levels times the part of each voxel it covers, taken as clamp(0.5 − d, 0, 1)
 * for a voxel whose centre is d voxels outside the surface (the covered fraction for a surface parallel to a voxel
 * face, a close one for curved and tilted surfaces); the mask holds the voxels whose centre is inside (d ≤ 0).
 */
function drawSolid(field: Float32Array, n: number, solid: Solid, contrast: number): { mask: Uint8Array; voxels: number } {
  const mask = new Uint8Array(n * n * n);
  let voxels = 0;
  const [bz, by, bx] = voxelBox(solid, 1, n);
  for (let z = bz[0]; z <= bz[1]; z++)
    for (let y = by[0]; y <= by[1]; y++)
      for (let x = bx[0]; x <= bx[1]; x++) {
        const d = solid.distance([z, y, x]);
        if (d >= 0.5) continue;
        const i = (z * n + y) * n + x;
        field[i] += contrast * Math.min(1, 0.5 - d);
        if (d <= 0) {
          mask[i] = 1;
          voxels++;
        }
      }
  return { mask, voxels };
}

/** The multi-hot label vector of a volume scene (1 where at least one solid of the class is present). */
export function volumeMultiHot(scene: VolumeScene): number[] {
  const v = SOLID_LABELS.map(() => 0);
  for (const o of scene.objects) v[o.classIndex] = 1;
  return v;
}
