/**
 * What `gcam explain` draws for a signal [C, L]: one plot per result (its channels as lines, the map as a coloured band
 * underneath: src/signal/plot.ts), or with --figure one PNG per input with a captioned plot per result; and where
 * each map peaks, as a sample index.
 */
import { composeFigure, type ExplainResult } from '../../node.js';
import { MAX_PLOTTED_CHANNELS, signalPlot } from '../../signal/plot.js';
import type { LoadedInput } from '../inputs.js';
import { figureName, overlayName } from './names.js';
import type { RenderOptions, RenderedImage } from './render.js';

/** Whether a result is a signal's (its map is [length]). */
export function isSignalResult(r: ExplainResult): boolean {
  return r.length !== undefined;
}

export async function signalImages(
  results: readonly ExplainResult[],
  input: LoadedInput,
  base: string,
  o: RenderOptions & { multiLayer: boolean },
): Promise<RenderedImage[]> {
  const { tensor, dims } = input.source as { tensor: Float32Array; dims: readonly number[] };
  const channels = dims[0];
  const plot = (r: ExplainResult) => signalPlot(tensor, channels, r.map, { colormap: o.colormap, signed: o.signed });
  if (!o.figure) return results.map((r, i) => ({ name: overlayName(base, r, o.multiLayer), image: plot(r), shows: [i] }));
  const some = channels > MAX_PLOTTED_CHANNELS ? `, channels 0–${MAX_PLOTTED_CHANNELS - 1} of ${channels}` : '';
  const caption = (r: ExplainResult, i: number) =>
    `${i === 0 ? `${r.source}${some}: ` : ''}${r.target ?? `${r.classIndex}${r.label ? ` ${r.label}` : ''}`} (${r.score.toFixed(3)}) @ ${r.layer}, peak at ${signalPeak(r).index}`;
  const rows = results.map((r, i) => [{ image: plot(r), caption: caption(r, i) }]);
  return [{ name: figureName(base), image: await composeFigure(rows), shows: results.map((_, i) => i) }];
}

/** The sample where the map is largest (the first such) and its value. */
export function signalPeak(r: ExplainResult): { index: number; value: number } {
  let best = 0;
  for (let i = 1; i < r.map.length; i++) if (r.map[i] > r.map[best]) best = i;
  return { index: best, value: r.map[best] };
}
