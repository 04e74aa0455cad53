/**
 * PIL's BILINEAR resize of a float image (mode 'F'), for samples wider than 8 bits (./samples.ts): the taps and
 * weights of the 8-bit resize (./resize.ts, PIL's double-precision weights), applied in double precision without
 * rounding. As PIL's 32-bit path: a horizontal pass stored as float32, then a vertical pass on it, stored as float32.
 * Channels are filtered independently (PIL resizes an 'F' image per band).
 */
import { axisWeights, checkTargetSize, isSize, resizeWindow, type AxisWeights, type ResizeWindow } from './resize.js';
import type { SampleImage } from './samples.js';
import { InvalidInputError } from '../errors.js';

/** Horizontal pass of the source row at src[base…] into out (the window's columns, every channel). */
function resampleRow(src: Float32Array | Uint16Array, base: number, ch: number, taps: AxisWeights, out: Float32Array): void {
  const { first, count, weights, stride } = taps;
  for (let o = 0; o < first.length; o++) {
    const p = base + first[o] * ch;
    for (let c = 0; c < ch; c++) {
      let acc = 0;
      for (let j = 0; j < count[o]; j++) acc += src[p + j * ch + c] * weights[o * stride + j];
      out[o * ch + c] = acc;
    }
  }
}

/**
 * Resizes to width × height as PIL's `Image.resize((width, height), Image.BILINEAR)` on float images: triangle
 * filter widened by the shrink factor (antialiased), horizontal then vertical. With `window`, only that part of the
 * output is computed (the same values as the full resize has there), reading only the source rows it needs.
 */
export function resizeSamples(img: SampleImage, width: number, height: number, window?: ResizeWindow): SampleImage {
  checkTargetSize(width, height);
  const { width: w0, height: h0, channels: ch, samples } = img;
  if (!(isSize(w0) && isSize(h0)) || samples.length < w0 * h0 * ch)
    throw new InvalidInputError(`Cannot resize a ${w0}×${h0}×${ch} image with ${samples.length} samples.`);
  const win = resizeWindow(width, height, window);
  const rowLen = win.width * ch;
  const columns = width === w0 ? undefined : axisWeights(w0, width, win.x, win.width);
  const line = new Float32Array(rowLen);
  const row = (r: number): Float32Array | Uint16Array => {
    const base = r * w0 * ch;
    if (!columns) return samples.subarray(base + win.x * ch, base + win.x * ch + rowLen);
    resampleRow(samples, base, ch, columns, line);
    return line;
  };
  const out = new Float32Array(win.height * rowLen);
  if (height === h0) {
    for (let y = 0; y < win.height; y++) out.set(row(win.y + y), y * rowLen);
  } else {
    // Each source row is resampled once and added into every output row that reads it (taps sorted by first row).
    const { first, count, weights, stride } = axisWeights(h0, height, win.y, win.height);
    const n = first.length;
    const acc = new Float64Array(n * rowLen);
    let lo = 0;
    for (let r = first[0], end = first[n - 1] + count[n - 1]; r < end; r++) {
      const src = row(r);
      while (first[lo] + count[lo] <= r) lo++;
      for (let o = lo; o < n && first[o] <= r; o++) {
        const k = weights[o * stride + r - first[o]];
        const at = o * rowLen;
        for (let i = 0; i < rowLen; i++) acc[at + i] += src[i] * k;
      }
    }
    out.set(acc);
  }
  return { ...img, width: win.width, height: win.height, samples: out };
}
