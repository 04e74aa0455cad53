/**
 * Intensity presets for volumes and for images that hold more than display values (DICOM, 16-bit PNG/TIFF),
 * applied to the raw voxel or pixel values before resampling (MONAI's usual transforms, over the whole volume or
 * image, every channel together):
 *  - 'ct:L,W'            CT window in HU: clip to [L − W/2, L + W/2] and scale to [0, 1] (ScaleIntensityRange with
 *                        a_min = L − W/2, a_max = L + W/2, b_min = 0, b_max = 1, clip = True);
 *  - 'percentile:lo,hi'  (x − p_lo) / (p_hi − p_lo) with the lo-th and hi-th percentiles (numpy's linear
 *                        interpolation), not clipped (ScaleIntensityRangePerciles with b_min = 0, b_max = 1, its
 *                        default clip = False);
 *  - 'zscore'            (x − mean) / std, population std; a constant volume only loses its mean (NormalizeIntensity);
 *  - 'range:a,b'         min-max to [a, b] (ScaleIntensity(minv = a, maxv = b)); a constant volume becomes a;
 *  - 'none'              the values as they are.
 */
import { InvalidOptionError } from '../errors.js';

export type IntensitySpec =
  | { kind: 'none' }
  | { kind: 'ct'; level: number; width: number }
  | { kind: 'percentile'; lower: number; upper: number }
  | { kind: 'zscore' }
  | { kind: 'range'; min: number; max: number };

export const INTENSITY_FORMS = ['none', 'ct:LEVEL,WIDTH', 'percentile:LO,HI', 'zscore', 'range:A,B'] as const;

/** Parses the text form ('ct:40,400', 'percentile:0.5,99.5', 'zscore', 'range:0,1', 'none'). */
export function parseIntensity(text: string): IntensitySpec {
  const [name, args = ''] = text.trim().split(':', 2);
  const nums = args === '' ? [] : args.split(',').map((v) => Number(v.trim()));
  const bad = (why: string) => new InvalidOptionError('intensity', `'${text}' ${why}; use one of ${INTENSITY_FORMS.join(', ')}.`);
  const two = () => {
    if (nums.length !== 2 || !nums.every(Number.isFinite)) throw bad('needs two numbers after the colon');
    return nums as [number, number];
  };
  switch (name) {
    case 'none':
    case 'zscore':
      if (nums.length) throw bad('takes no numbers');
      return { kind: name };
    case 'ct': {
      const [level, width] = two();
      if (!(width > 0)) throw bad('needs a positive window width');
      return { kind: 'ct', level, width };
    }
    case 'percentile': {
      const [lower, upper] = two();
      if (!(lower >= 0 && upper <= 100 && lower < upper)) throw bad('needs 0 ≤ LO < HI ≤ 100');
      return { kind: 'percentile', lower, upper };
    }
    case 'range': {
      const [min, max] = two();
      if (!(min < max)) throw bad('needs A < B');
      return { kind: 'range', min, max };
    }
    default:
      throw bad('is unknown');
  }
}

/** A spec's text form (parseIntensity's inverse), so that specs given as objects are checked the same way. */
export function intensityText(spec: IntensitySpec): string {
  switch (spec.kind) {
    case 'ct':
      return `ct:${spec.level},${spec.width}`;
    case 'percentile':
      return `percentile:${spec.lower},${spec.upper}`;
    case 'range':
      return `range:${spec.min},${spec.max}`;
    default:
      return spec.kind;
  }
}

/** The preset applied to every value; returns a new array. */
export function applyIntensity(x: Float32Array, spec: IntensitySpec): Float32Array {
  switch (spec.kind) {
    case 'none':
      return Float32Array.from(x);
    case 'ct': {
      const lo = spec.level - spec.width / 2;
      return x.map((v) => (Math.min(Math.max(v, lo), lo + spec.width) - lo) / spec.width);
    }
    case 'percentile': {
      const sorted = Float64Array.from(x).sort();
      const lo = percentile(sorted, spec.lower);
      const hi = percentile(sorted, spec.upper);
      // MONAI: when the two percentiles coincide only the offset is removed.
      return hi === lo ? x.map((v) => v - lo) : x.map((v) => (v - lo) / (hi - lo));
    }
    case 'zscore': {
      let mean = 0;
      for (const v of x) mean += v;
      mean /= x.length;
      let sq = 0;
      for (const v of x) sq += (v - mean) ** 2;
      const std = Math.sqrt(sq / x.length);
      return x.map((v) => (std > 0 ? (v - mean) / std : v - mean));
    }
    case 'range': {
      let min = Infinity;
      let max = -Infinity;
      for (const v of x) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const span = max - min;
      return x.map((v) => (span > 0 ? spec.min + ((v - min) / span) * (spec.max - spec.min) : spec.min));
    }
  }
}

/** numpy.percentile(x, q) with its default linear interpolation, on sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * A preset's output inverted, for MONOCHROME1 images (lowest value shown white), as DICOM inverts after the VOI
 * transformation (PS3.3 C.7.6.3.1.2): within the output range of the presets that have one (ct and percentile map
 * to [0, 1] nominally, range to [a, b]: y → lo + hi − y), negated for those that have none (zscore, none).
 */
export function invertIntensity(y: Float32Array, spec: IntensitySpec): Float32Array {
  switch (spec.kind) {
    case 'ct':
    case 'percentile':
      return y.map((v) => 1 - v);
    case 'range':
      return y.map((v) => spec.min + spec.max - v);
    default:
      return y.map((v) => -v);
  }
}
