/** Heatmaps and overlays: a [0,1] map through a colormap, alpha-blended onto the image at its own size. */
import type { RawImage } from './raw.js';
import { colormapLut } from './colormap.js';
import { InvalidInputError } from '../errors.js';

/** RGB heatmap of a map with values in [0, 1] (clamped). */
export function heatmap(map: Float32Array, width: number, height: number, colormap = 'jet'): RawImage {
  if (map.length !== width * height) throw new InvalidInputError(`Map has ${map.length} values, not ${width}×${height}.`);
  const lut = colormapLut(colormap);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    const k = Math.round((v > 1 ? 1 : v > 0 ? v : 0) * 255) * 3;
    data[i * 3] = lut[k];
    data[i * 3 + 1] = lut[k + 1];
    data[i * 3 + 2] = lut[k + 2];
  }
  return { width, height, channels: 3, data };
}

/**
 * (1 − alpha)·image + alpha·heatmap, RGB out; the image may be gray, RGB or RGBA (alpha ignored). Every output is
 * round((1 − alpha)·v + alpha·h) of two 8-bit values, so all 65 536 are computed once into a table and each pixel
 * is three lookups: about twice as fast as the arithmetic per pixel on a 640×480 photo, with the same bytes.
 */
export function overlay(image: RawImage, heat: RawImage, alpha = 0.5): RawImage {
  if (image.width !== heat.width || image.height !== heat.height)
    throw new InvalidInputError(
      `Overlay needs equal sizes: image ${image.width}×${image.height}, heatmap ${heat.width}×${heat.height}.`,
    );
  if (!(alpha >= 0 && alpha <= 1)) throw new InvalidInputError(`alpha must be in [0, 1]; got ${alpha}.`);
  const blend = blendTable(alpha);
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const c = image.channels;
  const src = image.data;
  const h = heat.data;
  if (c >= 3)
    for (let i = 0, s = 0; i < n * 3; i += 3, s += c) {
      out[i] = blend[(src[s] << 8) | h[i]];
      out[i + 1] = blend[(src[s + 1] << 8) | h[i + 1]];
      out[i + 2] = blend[(src[s + 2] << 8) | h[i + 2]];
    }
  else
    for (let i = 0, s = 0; i < n * 3; i += 3, s += c) {
      const row = src[s] << 8;
      out[i] = blend[row | h[i]];
      out[i + 1] = blend[row | h[i + 1]];
      out[i + 2] = blend[row | h[i + 2]];
    }
  return { width: image.width, height: image.height, channels: 3, data: out };
}

/** Tables by alpha: a run uses one alpha for every overlay, so each image reuses the first one's table. */
const tables = new Map<number, Uint8Array>();

/** blend[(v << 8) | h] = round((1 − alpha)·v + alpha·h): the overlay's arithmetic for every pair of 8-bit values. */
function blendTable(alpha: number): Uint8Array {
  const known = tables.get(alpha);
  if (known) return known;
  if (tables.size >= 16) tables.clear();
  const table = new Uint8Array(65536);
  for (let v = 0; v < 256; v++) {
    const base = (1 - alpha) * v;
    for (let h = 0; h < 256; h++) table[(v << 8) | h] = Math.round(base + alpha * h);
  }
  tables.set(alpha, table);
  return table;
}
