/**
 * PIL's BILINEAR resize of 8-bit images, bit for bit, so the model input equals what torchvision users feed their
 * models (`transforms.Resize` on a PIL image calls `Image.resize(size, Image.BILINEAR)`). Platform-free: no DOM, no
 * native code, so Node and the browser give the same tensor.
 *
 * The method (Pillow's libImaging/Resample.c, re-derived here from its description, not copied):
 * - Separable: a horizontal pass, rounded and clipped to 8 bits, then a vertical pass on that 8-bit result.
 * - Each output sample o on an axis of in → out pixels, scale = in/out, has its centre at c = (o + 0.5)·scale in input
 *   coordinates. When shrinking, the triangle filter tri(t) = max(0, 1 − |t|) is widened by fs = max(1, scale)
 *   (antialiasing: every input pixel contributes), so its support is ±fs around c.
 * - The taps are the input pixels i ∈ [trunc(c − fs + 0.5), trunc(c + fs + 0.5)) clipped to [0, in), weighted
 *   w_i = tri((i − c + 0.5) / fs) (i + 0.5 is the pixel's centre) and normalised to Σ w_i = 1.
 * - The weights go to fixed point with 22 fractional bits, round half up: k_i = trunc(0.5 + w_i·2²²); an output is
 *   clip8((2²¹ + Σ k_i·p_i) >> 22), i.e. rounded to nearest. Integer sums make the result exact, not just close.
 *
 * An output's taps depend only on the full output size, so any window of the output can be computed alone, exactly:
 * a centre crop of a huge virtual resize (a 1×60000 photo resized to 256 × 15 360 000 for a 224 crop) costs the
 * crop, not the resize. The vertical pass adds each horizontally resampled source row into the output rows that
 * read it, so only one such row exists at a time, however many source rows the window reads.
 */
import type { RawImage } from './raw.js';
import { InvalidInputError } from '../errors.js';

/** Fractional bits of the fixed-point weights: 32 − 8 (pixel) − 2 (headroom), as PIL. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Taps of outputs [o0, o0 + n) of an axis: output o0 + k reads `count[k]` inputs from `first[k]`, weights `weights[k·stride + j]`. */
interface AxisTaps {
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
  stride: number;
}

/** The triangle (tent) filter of bilinear interpolation, support 1. */
const triangle = (t: number): number => {
  const a = t < 0 ? -t : t;
  return a < 1 ? 1 - a : 0;
};

/** The taps of an axis as PIL computes them in double precision: `weights[k·stride + j]` sum to 1 per output. */
export interface AxisWeights {
  first: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  stride: number;
}

/**
 * The taps of outputs [o0, o0 + n) of an axis of inSize → outSize pixels, normalised, in double precision. The
 * arithmetic follows PIL's order of double operations (c = (o + 0.5)·scale; argument (i − c + 0.5)·(1/fs)), so the
 * weights are PIL's; they depend on o and the two sizes only, which is what makes a window exact.
 */
export function axisWeights(inSize: number, outSize: number, o0: number, n: number): AxisWeights {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filterScale; // triangle support (1) widened by the downscale factor
  const invFilterScale = 1 / filterScale;
  const stride = Math.ceil(support) * 2 + 1; // most taps any output can have
  const first = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Float64Array(n * stride);
  for (let k = 0; k < n; k++) {
    const centre = (o0 + k + 0.5) * scale;
    // Math.trunc, as C's (int) cast: the window is rounded to whole pixels, then clipped to the image.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const taps = hi - lo;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const w = triangle((j + lo - centre + 0.5) * invFilterScale);
      weights[k * stride + j] = w;
      sum += w;
    }
    if (sum !== 0) for (let j = 0; j < taps; j++) weights[k * stride + j] /= sum;
    first[k] = lo;
    count[k] = taps;
  }
  return { first, count, weights, stride };
}

/** The taps of outputs [o0, o0 + n) with PIL's fixed-point weights (22 fractional bits, round half up). */
function axisTaps(inSize: number, outSize: number, o0: number, n: number): AxisTaps {
  const { first, count, weights, stride } = axisWeights(inSize, outSize, o0, n);
  // Weights are ≥ 0: round half up.
  return { first, count, weights: Int32Array.from(weights, (w) => Math.trunc(0.5 + w * ONE)), stride };
}

/** (HALF + Σ k·p) >> 22 clipped to 0…255: the rounded 8-bit value of a fixed-point sum. */
const clip8 = (acc: number): number => {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** Horizontal pass of one source row (starting at src[base]) into out[outBase…]: every channel of a pixel uses that column's taps. */
function resampleRow(src: Uint8Array, base: number, ch: number, taps: AxisTaps, out: Uint8Array, outBase: number): void {
  const { first, count, weights, stride } = taps;
  for (let o = 0; o < first.length; o++) {
    const n = count[o];
    const kBase = o * stride;
    let p = base + first[o] * ch;
    const q = outBase + o * ch;
    if (ch === 3) {
      // The common case, unrolled over channels: three accumulators, one pass over the taps.
      let a0 = HALF;
      let a1 = HALF;
      let a2 = HALF;
      for (let j = 0; j < n; j++, p += 3) {
        const k = weights[kBase + j];
        a0 += src[p] * k;
        a1 += src[p + 1] * k;
        a2 += src[p + 2] * k;
      }
      out[q] = clip8(a0);
      out[q + 1] = clip8(a1);
      out[q + 2] = clip8(a2);
    } else {
      for (let c = 0; c < ch; c++) {
        let a = HALF;
        for (let j = 0; j < n; j++) a += src[p + j * ch + c] * weights[kBase + j];
        out[q + c] = clip8(a);
      }
    }
  }
}

/**
 * Vertical pass, streamed: each source row the window reads is resampled horizontally once, by `row`, then added
 * into every output row that reads it (their taps are sorted by first row, so those outputs are consecutive).
 */
function resampleColumns(row: (r: number) => Uint8Array, rowLen: number, taps: AxisTaps): Uint8Array {
  const { first, count, weights, stride } = taps;
  const n = first.length;
  const acc = new Int32Array(n * rowLen).fill(HALF);
  let lo = 0; // the first output row still reading rows at or after r
  for (let r = first[0], end = first[n - 1] + count[n - 1]; r < end; r++) {
    const line = row(r);
    while (first[lo] + count[lo] <= r) lo++;
    for (let o = lo; o < n && first[o] <= r; o++) {
      const k = weights[o * stride + r - first[o]];
      const base = o * rowLen;
      for (let i = 0; i < rowLen; i++) acc[base + i] += line[i] * k;
    }
  }
  const out = new Uint8Array(n * rowLen);
  for (let i = 0; i < out.length; i++) out[i] = clip8(acc[i]);
  return out;
}

/** A rectangle of a resize's output: columns [x, x + width), rows [y, y + height). */
export interface ResizeWindow {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Resizes an 8-bit image (any number of interleaved channels, e.g. 1, 3 or 4) to width × height exactly as PIL's
 * `Image.resize((width, height), Image.BILINEAR)`: a triangle filter, widened by the shrink factor when downscaling
 * (antialiased), horizontal pass then vertical, 8-bit rounding between them. Channels are filtered independently: a
 * 4-channel image gives the RGB of PIL's `convert('RGB').resize(...)` (PIL's own RGBA path premultiplies by alpha).
 * An axis whose size does not change is not filtered (as PIL, whose taps would be the identity anyway).
 *
 * With `window`, only that part of the output is computed and returned (window.width × window.height), with the
 * same bytes as the full resize has there; the work and memory are those of the window and the source rows it reads.
 */
export const isSize = (v: number): boolean => Number.isInteger(v) && v >= 1;

/** A typed error unless width × height is a size to resize to. */
export function checkTargetSize(width: number, height: number): void {
  if (!isSize(width) || !isSize(height))
    throw new InvalidInputError(`Cannot resize to ${width}×${height}: sizes must be positive integers.`);
}

/** The part of a width × height resize to compute (all of it by default); a typed error unless it lies inside. */
export function resizeWindow(width: number, height: number, window?: ResizeWindow): ResizeWindow {
  const win = window ?? { x: 0, y: 0, width, height };
  const inside = (at: number, size: number, full: number) => Number.isInteger(at) && at >= 0 && isSize(size) && at + size <= full;
  if (!inside(win.x, win.width, width) || !inside(win.y, win.height, height))
    throw new InvalidInputError(
      `Cannot compute the window ${win.width}×${win.height} at (${win.x}, ${win.y}) of a ${width}×${height} resize: it must be a non-empty rectangle inside it.`,
    );
  return win;
}

export function resizeBilinearAntialiased(img: RawImage, width: number, height: number, window?: ResizeWindow): RawImage {
  checkTargetSize(width, height);
  const { width: w0, height: h0, channels: ch, data } = img;
  if (!(isSize(w0) && isSize(h0) && isSize(ch)) || data.length < w0 * h0 * ch)
    throw new InvalidInputError(`Cannot resize a ${w0}×${h0}×${ch} image with ${data.length} bytes.`);
  const win = resizeWindow(width, height, window);
  const rowLen = win.width * ch;
  const columns = width === w0 ? undefined : axisTaps(w0, width, win.x, win.width);
  const line = new Uint8Array(rowLen);
  // Source row r, horizontally resampled to the window's columns (a view of the source when the width is kept).
  const row = (r: number): Uint8Array => {
    const base = r * w0 * ch;
    if (!columns) return data.subarray(base + win.x * ch, base + win.x * ch + rowLen);
    resampleRow(data, base, ch, columns, line, 0);
    return line;
  };
  let out: Uint8Array;
  if (height !== h0) out = resampleColumns(row, rowLen, axisTaps(h0, height, win.y, win.height));
  else {
    out = new Uint8Array(win.height * rowLen);
    for (let y = 0; y < win.height; y++) out.set(row(win.y + y), y * rowLen);
  }
  return { width: win.width, height: win.height, channels: ch, data: out, name: img.name };
}
