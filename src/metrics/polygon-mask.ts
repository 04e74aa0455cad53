/**
 * COCO polygon segmentations as pixel masks. A polygon is a ring [x1, y1, x2, y2, …] in the image's pixel
 * coordinates, where pixel (x, y) covers [x, x + 1) × [y, y + 1) (COCO's convention); an object may have several rings
 * (its visible parts). The rule: a pixel belongs to a ring when its centre (x + ½, y + ½) is inside the ring by the
 * even-odd rule, i.e. a ray from the centre towards +x crosses the ring's edges an odd number of times, where an edge
 * crosses the centre's row when one of its ends has y > the centre's y and the other not (so a centre on a vertex or
 * a horizontal edge is decided once, the usual half-open crossing test); the object is the union of its rings, as
 * pycocotools merges an object's parts. Rasterised one pixel row at a time: the row's crossings, sorted, bound the
 * runs of centres inside.
 */
import { InvalidInputError } from '../errors.js';

/** An object's rings, each [x1, y1, x2, y2, …] (at least 3 points). */
export type PolygonRings = readonly (readonly number[])[];

/** Throws a typed error naming `what` unless `rings` is a non-empty list of rings of ≥ 3 finite points each. */
export function checkRings(rings: unknown, what: string): asserts rings is PolygonRings {
  if (!Array.isArray(rings) || rings.length === 0)
    throw new InvalidInputError(`${what}: a polygon segmentation is a non-empty list of rings [x1, y1, x2, y2, …].`);
  rings.forEach((ring: unknown, j) => {
    const at = rings.length > 1 ? `${what}, ring #${j}` : what;
    if (!Array.isArray(ring) || !ring.every((v) => typeof v === 'number' && Number.isFinite(v)))
      throw new InvalidInputError(`${at}: a ring is a list of finite numbers x1, y1, x2, y2, ….`);
    if (ring.length % 2 !== 0)
      throw new InvalidInputError(`${at} has ${ring.length} coordinates, an odd count: a ring is x, y pairs.`);
    if (ring.length < 6) throw new InvalidInputError(`${at} has ${ring.length / 2} points; a polygon needs at least 3.`);
  });
}

/** [height, width] row-major mask, 1 where the pixel's centre is inside some ring (rule in the header). */
export function rasterisePolygons(rings: PolygonRings, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  for (const ring of rings) fillRing(ring, width, height, mask);
  return mask;
}

function fillRing(ring: readonly number[], width: number, height: number, mask: Uint8Array): void {
  const n = ring.length / 2;
  const crossings: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    crossings.length = 0;
    // Edge from point i to point i + 1 (the last back to the first).
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const xi = ring[2 * i];
      const yi = ring[2 * i + 1];
      const xj = ring[2 * j];
      const yj = ring[2 * j + 1];
      if (yi > cy !== yj > cy) crossings.push(xi + ((cy - yi) * (xj - xi)) / (yj - yi));
    }
    crossings.sort((a, b) => a - b);
    // A centre cx is inside when an odd number of crossings lie right of it: cx in [c0, c1), [c2, c3), ….
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const a = crossings[k];
      const b = crossings[k + 1];
      const from = Math.max(0, Math.floor(a - 0.5));
      const to = Math.min(width - 1, Math.ceil(b));
      for (let x = from; x <= to; x++) if (x + 0.5 >= a && x + 0.5 < b) mask[y * width + x] = 1;
    }
  }
}
