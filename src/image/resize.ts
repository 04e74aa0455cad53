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
 */
import type { RawImage } from './raw.js';
import { InvalidInputError } from '../errors.js';

/** Fractional bits of the fixed-point weights: 32 − 8 (pixel) − 2 (headroom), as PIL. */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per-axis taps: output o reads `count[o]` inputs from `first[o]` with fixed-point weights `weights[o·stride + j]`. */
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

/**
 * The taps of one axis, computed once per call. The arithmetic follows PIL's order of double operations
 * (c = (o + 0.5)·scale; argument (i − c + 0.5)·(1/fs)) so that the rounded fixed-point weights are PIL's.
 */
function axisTaps(inSize: number, outSize: number): AxisTaps {
  const scale = inSize / outSize;
  const filterScale = scale < 1 ? 1 : scale;
  const support = filterScale; // triangle support (1) widened by the downscale factor
  const invFilterScale = 1 / filterScale;
  const stride = Math.ceil(support) * 2 + 1; // most taps any output can have
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * stride);
  const w = new Float64Array(stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    // Math.trunc, as C's (int) cast: the window is rounded to whole pixels, then clipped to the image.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const n = hi - lo;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      w[j] = triangle((j + lo - centre + 0.5) * invFilterScale);
      sum += w[j];
    }
    for (let j = 0; j < n; j++) {
      const wj = sum !== 0 ? w[j] / sum : w[j];
      weights[o * stride + j] = Math.trunc(0.5 + wj * ONE); // weights are ≥ 0: round half up
    }
    first[o] = lo;
    count[o] = n;
  }
  return { first, count, weights, stride };
}

/** (HALF + Σ k·p) >> 22 clipped to 0…255: the rounded 8-bit value of a fixed-point sum. */
const clip8 = (acc: number): number => {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/** Horizontal pass over source rows [row0, row0 + rows): every channel of a pixel uses that column's taps. */
function resampleRows(
  src: Uint8Array,
  srcWidth: number,
  ch: number,
  row0: number,
  rows: number,
  outWidth: number,
  taps: AxisTaps,
): Uint8Array {
  const out = new Uint8Array(outWidth * rows * ch);
  const { first, count, weights, stride } = taps;
  const srcRow = srcWidth * ch;
  const outRow = outWidth * ch;
  for (let y = 0; y < rows; y++) {
    const rowBase = (row0 + y) * srcRow;
    const outBase = y * outRow;
    for (let o = 0; o < outWidth; o++) {
      const n = count[o];
      const kBase = o * stride;
      let p = rowBase + first[o] * ch;
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
  return out;
}

/** Vertical pass: each output row is a weighted sum of whole source rows (accumulated row-wise, cache friendly). */
function resampleColumns(src: Uint8Array, rowLen: number, row0: number, outHeight: number, taps: AxisTaps): Uint8Array {
  const out = new Uint8Array(rowLen * outHeight);
  const acc = new Int32Array(rowLen);
  const { first, count, weights, stride } = taps;
  for (let o = 0; o < outHeight; o++) {
    acc.fill(HALF);
    const n = count[o];
    for (let j = 0; j < n; j++) {
      const k = weights[o * stride + j];
      const base = (first[o] - row0 + j) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += src[base + i] * k;
    }
    const outBase = o * rowLen;
    for (let i = 0; i < rowLen; i++) out[outBase + i] = clip8(acc[i]);
  }
  return out;
}

/**
 * Resizes an 8-bit image (any number of interleaved channels, e.g. 1, 3 or 4) to width × height exactly as PIL's
 * `Image.resize((width, height), Image.BILINEAR)`: a triangle filter, widened by the shrink factor when downscaling
 * (antialiased), horizontal pass then vertical, 8-bit rounding between them. Channels are filtered independently: a
 * 4-channel image gives the RGB of PIL's `convert('RGB').resize(...)` (PIL's own RGBA path premultiplies by alpha).
 * An axis whose size does not change is not filtered (as PIL, whose taps would be the identity anyway).
 */
export function resizeBilinearAntialiased(img: RawImage, width: number, height: number): RawImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1)
    throw new InvalidInputError(`Cannot resize to ${width}×${height}: sizes must be positive integers.`);
  const { width: w0, height: h0, channels: ch, data } = img;
  if (!(w0 >= 1 && h0 >= 1 && ch >= 1) || data.length < w0 * h0 * ch)
    throw new InvalidInputError(`Cannot resize a ${w0}×${h0}×${ch} image with ${data.length} bytes.`);
  const sameWidth = width === w0;
  const sameHeight = height === h0;
  if (sameWidth && sameHeight) return { width, height, channels: ch, data: data.slice(0, w0 * h0 * ch), name: img.name };
  const vertical = sameHeight ? undefined : axisTaps(h0, height);
  // Only the source rows the vertical pass reads go through the horizontal pass.
  const row0 = vertical ? vertical.first[0] : 0;
  const rows = vertical ? vertical.first[height - 1] + vertical.count[height - 1] - row0 : h0;
  const horizontal = sameWidth ? data : resampleRows(data, w0, ch, row0, rows, width, axisTaps(w0, width));
  const rowsStart = sameWidth ? 0 : row0; // resampleRows' output starts at row0
  const out = vertical ? resampleColumns(horizontal, width * ch, rowsStart, height, vertical) : horizontal;
  return { width, height, channels: ch, data: out, name: img.name };
}
