/**
 * The images `gcam explain` writes for one input, rendered in memory: either one overlay per result or one figure
 * (photo, then its maps). Tensor inputs are drawn as a gray image of their first channel.
 */
import { composeFigure, heatmap, overlay, type ExplainResult } from '../../node.js';
import type { RawImage } from '../../image/raw.js';
import type { LoadedInput } from '../inputs.js';
import { figureName, overlayName } from './names.js';
import { drawBox, outlineMask } from '../../image/annotate.js';

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
  /** The results it shows, as indices into the input's results. */
  shows: number[];
}

/**
 * One input's images: one overlay per result, or one figure (its photo, then its maps). `base` begins every name;
 * the layer is named when the run explains several (`multiLayer`), so every input's names follow one rule.
 */
export async function renderInput(
  results: readonly ExplainResult[],
  input: LoadedInput,
  base: string,
  o: RenderOptions & { multiLayer: boolean },
): Promise<RenderedImage[]> {
  const display = (m: Float32Array) => (o.signed ? m.map((x) => (x + 1) / 2) : m);
  const what = (r: ExplainResult) => r.target ?? `${r.classIndex}${r.label ? ` ${r.label}` : ''}`;
  const caption = (r: ExplainResult) => `${what(r)} (${r.score.toFixed(3)}) @ ${r.layer}`;
  // The base image has the map's size: the photo for image inputs, the input resolution for tensors.
  const img = input.photo ?? grayFromTensor(input.source);
  const heat = (r: ExplainResult) => heatmap(display(input.photo ? r.map : r.inputMap), img.width, img.height, o.colormap);
  // A seg target's region is outlined and a detection target's box drawn, on the image at the map's size.
  const marked = (r: ExplainResult, im: RawImage) => {
    const m = r.mask ? outlineMask(im, r.mask) : im;
    const box = input.photo ? r.imageBox : r.box;
    return box ? drawBox(m, box) : m;
  };
  const over = (r: ExplainResult, h = heat(r)) => marked(r, overlay(img, h, o.alpha));
  const source = results[0].source;
  if (o.figure) {
    const h0 = heat(results[0]);
    const row =
      results.length === 1
        ? [
            { image: img, caption: source },
            { image: h0, caption: 'heatmap' },
            { image: over(results[0], h0), caption: caption(results[0]) },
          ]
        : [{ image: img, caption: source }, ...results.map((r) => ({ image: over(r), caption: caption(r) }))];
    return [{ name: figureName(base), image: await composeFigure([row]), shows: results.map((_, i) => i) }];
  }
  return results.map((r, i) => ({ name: overlayName(base, r, o.multiLayer), image: over(r), shows: [i] }));
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
