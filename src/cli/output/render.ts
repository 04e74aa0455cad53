/**
 * The images `gcam explain` writes, rendered in memory: per input either one overlay per result or one figure
 * (photo, then its maps). Tensor inputs are drawn as a gray image of their first channel.
 */
import { composeFigure, heatmap, overlay, type ExplainResult } from '../../node.js';
import type { RawImage } from '../../image/raw.js';
import type { LoadedInput } from '../inputs.js';
import { distinctNames, figureName, overlayName, uniqueStems } from './names.js';

export interface RenderOptions {
  figure: boolean;
  colormap: string;
  alpha: number;
  /** Maps in [-1, 1] (--no-relu), shown with 0 at the middle of the colormap. */
  signed: boolean;
}

export interface RenderedImage {
  /** File name, without folder. */
  name: string;
  image: RawImage;
}

export async function renderOutputs(
  results: ExplainResult[],
  inputs: readonly LoadedInput[],
  o: RenderOptions,
): Promise<RenderedImage[]> {
  const photos = inputs.map((i) => i.photo);
  const files: RenderedImage[] = [];
  const display = (m: Float32Array) => (o.signed ? m.map((x) => (x + 1) / 2) : m);
  const multiLayer = new Set(results.map((r) => r.layer)).size > 1;
  const base = (r: ExplainResult) => photos[r.image] ?? grayFromTensor(inputs[r.image].source);
  const caption = (r: ExplainResult) => `${r.classIndex}${r.label ? ` ${r.label}` : ''} (${r.score.toFixed(3)}) @ ${r.layer}`;
  const byImage = new Map<number, ExplainResult[]>();
  for (const r of results) byImage.set(r.image, [...(byImage.get(r.image) ?? []), r]);
  const groups = [...byImage.values()];
  const stems = uniqueStems(groups.map((rs) => rs[0].source));
  for (const [g, rs] of groups.entries()) {
    const img = base(rs[0]);
    // The base image has the map's size: the photo for image inputs, the input resolution for tensors.
    const heat = (r: ExplainResult) => heatmap(display(photos[r.image] ? r.map : r.inputMap), img.width, img.height, o.colormap);
    const over = (r: ExplainResult, h = heat(r)) => overlay(img, h, o.alpha);
    if (o.figure) {
      const h0 = heat(rs[0]);
      const row =
        rs.length === 1
          ? [
              { image: img, caption: rs[0].source },
              { image: h0, caption: 'heatmap' },
              { image: over(rs[0], h0), caption: caption(rs[0]) },
            ]
          : [{ image: img, caption: rs[0].source }, ...rs.map((r) => ({ image: over(r), caption: caption(r) }))];
      files.push({ name: figureName(stems[g]), image: await composeFigure([row]) });
    } else {
      for (const r of rs) files.push({ name: overlayName(stems[g], r, multiLayer), image: over(r) });
    }
  }
  const names = distinctNames(files.map((f) => f.name));
  return files.map((f, i) => ({ ...f, name: names[i] }));
}

/** A displayable gray image of a preprocessed tensor input (first channel, min-max scaled). */
function grayFromTensor(src: LoadedInput['source']): RawImage {
  const t = src as { tensor: Float32Array; dims: readonly number[] };
  const [, h, w] = t.dims.length === 4 ? t.dims.slice(1) : t.dims;
  const plane = t.tensor.subarray(0, h * w);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of plane) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++)
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = hi > lo ? Math.round(((plane[i] - lo) / (hi - lo)) * 255) : 0;
  return { width: w, height: h, channels: 3, data };
}
