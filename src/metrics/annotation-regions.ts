/**
 * The annotated objects of the evaluated images, turned into what the localisation metrics read: boxes as given,
 * masks checked against the image's size, polygons checked and rasterised at the image's own pixel grid
 * (polygon-mask.ts), before any model runs. Platform-free.
 */
import { InvalidInputError } from '../errors.js';
import type { PixelRegion, Region } from './metric.js';
import { checkRings, rasterisePolygons } from './polygon-mask.js';

/** An annotated object: its class and where it is (original-image pixels). */
export interface Annotation {
  classIndex: number;
  region: Region;
}

export interface PixelAnnotation {
  classIndex: number;
  region: PixelRegion;
}

/**
 * @param sizes per image, its [width, height] in pixels (the grid its map is carried back to)
 * @param names per image, how messages name it
 */
export function pixelRegions(
  annotations: readonly (readonly Annotation[])[],
  sizes: readonly (readonly [number, number])[],
  names: readonly string[],
): PixelAnnotation[][] {
  return annotations.map((objects, i) => {
    const [width, height] = sizes[i];
    return objects.map((o, j) => {
      const what = `Image #${i} (${names[i]}), annotation #${j}`;
      return { classIndex: o.classIndex, region: pixelRegion(o.region as unknown, width, height, what) };
    });
  });
}

function pixelRegion(r: unknown, width: number, height: number, what: string): PixelRegion {
  const region = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
  if ('polygons' in region) {
    checkRings(region.polygons, what);
    return { mask: rasterisePolygons(region.polygons, width, height), width, height };
  }
  if ('mask' in region) {
    const { mask, width: w, height: h } = region;
    if (!(mask instanceof Uint8Array) || !Number.isInteger(w) || !Number.isInteger(h) || mask.length !== Number(w) * Number(h))
      throw new InvalidInputError(`${what}: a mask region is { mask: Uint8Array of width·height values, width, height }.`);
    if (w !== width || h !== height)
      throw new InvalidInputError(
        `${what}: its mask is ${String(w)}×${String(h)} (width×height), but the image is ${width}×${height}: ` +
          "give masks (and RLE sizes) at the image's own size.",
      );
    return { mask, width, height };
  }
  const box = region.box;
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw new InvalidInputError(`${what}: a region is { box: [x0, y0, x1, y1] }, { mask, width, height } or { polygons }.`);
  return { box: box as [number, number, number, number] };
}
