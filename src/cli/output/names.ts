/** The names of the files `gcam explain` writes: the input's stem, then the class (and layer) or '-gcam' for a figure. */
import { basename, extname } from 'node:path';
import type { ExplainResult } from '../../node.js';

/** Runs of characters other than letters, digits, '.', '_' and '-' become one '_'. */
function fileSafe(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

export function stem(source: string): string {
  // Image i of a batched .npy is named 'x.npy[i]': its stem is 'x_i'.
  const item = /^(.*)\[(\d+)\]$/.exec(source);
  if (item) return `${stem(item[1])}_${item[2]}`;
  return fileSafe(basename(source, extname(source)));
}

/**
 * One base name per input, in order. Inputs with the same stem (the same file twice, a/cat.png and b/cat.png) get
 * _2, _3… rather than overwriting each other's files.
 */
export function uniqueStems(sources: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return sources.map((source) => {
    const s = stem(source);
    const n = (seen.get(s) ?? 0) + 1;
    seen.set(s, n);
    return n > 1 ? `${s}_${n}` : s;
  });
}

/** The figure of one input: its photo and its maps side by side. */
export function figureName(base: string): string {
  return `${base}-gcam.png`;
}

/**
 * One map's overlay; the layer is named only when the run explained several, and in full: layers such as
 * 'features.16' and 'features.4' differ only after their last dot.
 */
export function overlayName(base: string, r: ExplainResult, multiLayer: boolean): string {
  return `${base}-${r.classIndex}${multiLayer ? `-${fileSafe(r.layer)}` : ''}.png`;
}
