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

/** (1 − alpha)·image + alpha·heatmap, RGB out; the image may be gray, RGB or RGBA (alpha ignored). */
export function overlay(image: RawImage, heat: RawImage, alpha = 0.5): RawImage {
  if (image.width !== heat.width || image.height !== heat.height)
    throw new InvalidInputError(
      `Overlay needs equal sizes: image ${image.width}×${image.height}, heatmap ${heat.width}×${heat.height}.`,
    );
  if (!(alpha >= 0 && alpha <= 1)) throw new InvalidInputError(`alpha must be in [0, 1]; got ${alpha}.`);
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const c = image.channels;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const v = image.data[i * c + (c >= 3 ? k : 0)];
      out[i * 3 + k] = Math.round((1 - alpha) * v + alpha * heat.data[i * 3 + k]);
    }
  }
  return { width: image.width, height: image.height, channels: 3, data: out };
}
