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
  // 'x.nii.gz' ends in two extensions; anything else in one.
  const name = basename(source);
  return fileSafe(/\.nii\.gz$/i.test(name) ? name.slice(0, -'.nii.gz'.length) : basename(name, extname(name)));
}

/**
 * Each name, or its first variant (n = 2, 3…) that neither an earlier name took nor is another's own name. Compared
 * without case, since macOS and Windows folders do not tell cat from Cat.
 */
function distinct(names: readonly string[], variant: (name: string, n: number) => string): string[] {
  const own = new Set(names.map((s) => s.toLowerCase()));
  const given = new Set<string>();
  return names.map((name) => {
    let out = name;
    for (let n = 2; given.has(out.toLowerCase()) || (out !== name && own.has(out.toLowerCase())); n++) out = variant(name, n);
    given.add(out.toLowerCase());
    return out;
  });
}

/**
 * One base name per input, in order. Inputs with the same stem (the same file twice, a/cat.png and b/cat.png) get
 * _2, _3… rather than overwriting each other's files; x.png, x.png, x_2.png become x, x_3, x_2.
 */
export function uniqueStems(sources: readonly string[]): string[] {
  return distinct(sources.map(stem), (s, n) => `${s}_${n}`);
}

/**
 * A run's file names made distinct as they are given out, where the rules above still let two meet (a class or a
 * layer given twice, two layer names that are equal once file-safe, x.npy[0] beside an x_0.png): a later one gets
 * -2, -3… before the extension. Compared without case, since macOS and Windows folders do not tell cat from Cat.
 */
export class NameClaims {
  private readonly taken = new Set<string>();

  claim(name: string): string {
    const ext = extname(name);
    let out = name;
    for (let n = 2; this.taken.has(out.toLowerCase()); n++) out = `${name.slice(0, name.length - ext.length)}-${n}${ext}`;
    this.taken.add(out.toLowerCase());
    return out;
  }
}

/**
 * Whether a file name could be one of the outputs of an input with one of these stems (lower case), before the
 * results fix the classes and layers: the stem, maybe _n suffixes (same stems, .npy items), a '-', then anything up to
 * an image extension. Each '-' of the name is tried as the end of the stem, so the test is linear in the name.
 */
export function couldBeOutputOf(stems: ReadonlySet<string>, name: string): boolean {
  const lower = name.toLowerCase();
  if (!/\.(png|jpe?g|webp|nii\.gz)$/.test(lower)) return false;
  for (let dash = lower.indexOf('-'); dash > 0; dash = lower.indexOf('-', dash + 1)) {
    for (let cand = lower.slice(0, dash); ; cand = cand.replace(/_\d+$/, '')) {
      if (stems.has(cand)) return true;
      if (!/_\d+$/.test(cand)) break;
    }
  }
  return false;
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

/** A volume's heatmap: the overlay name with the NIfTI extension, `<base>-<class>[-<layer>].nii.gz`. */
export function heatmapName(base: string, r: Pick<ExplainResult, 'classIndex' | 'layer'>, multiLayer: boolean): string {
  return `${base}-${r.classIndex}${multiLayer ? `-${fileSafe(r.layer)}` : ''}.nii.gz`;
}
