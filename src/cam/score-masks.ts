/**
 * Score-CAM's masked inputs, written straight into the batch the forward run takes: channel k of the layer upsampled
 * to the input size with corners aligned, min-max normalised, times the image. Per mask the work is a few input-sized
 * passes. Done as before (a new chunk-sized upsample, 6.4 MB per chunk of 32 at 224×224, then a normalise and a
 * multiply loop in the method) it took 51 ms of JS per chunk of 32 on MobileNetV2, 20–25% of a Score-CAM call beside
 * 156 ms of forward run. Here 2-D masks are upsampled separably: each layer row is interpolated along the width once
 * (h rows, not H), then every output row is one blend of two of them, the same float64 operations as resizeBilinear
 * in the same order, extremes found on the way, and one pass normalises and multiplies: 32 masks in 13–18 ms against
 * 38–59 ms (scratch microbenchmark, loaded 2-core machine), masked inputs identical to the bit. Volumes and signals
 * take resizeLinear (rarer, and their forward passes dominate even more).
 */
import { resizeLinear } from './postprocess.js';
import { cornerTaps } from './taps.js';

/** Normalisation guard of the masks: a constant channel gives an all-zero mask instead of 0/0. */
const MASK_EPS = 1e-8;

export class MaskedInputs {
  private readonly pixels: number;
  /** The last mask's extremes, found as it is written. */
  private min = Infinity;
  private max = -Infinity;
  /** One mask, upsampled then normalised in place (float32, as the values multiplied always were). */
  private readonly mask: Float32Array;
  private readonly plane?: {
    ys: ReturnType<typeof cornerTaps>;
    xs: ReturnType<typeof cornerTaps>;
    /** The layer's h rows interpolated along the width, [h, W], float64 like resizeBilinear's intermediates. */
    rows: Float64Array;
  };

  /**
   * @param spatial the layer's spatial dims (h, w; or d, h, w; or l)
   * @param size the input's spatial dims, the same number of axes
   * @param channels the input's channels (each multiplied by the same mask)
   */
  constructor(
    private readonly spatial: readonly number[],
    private readonly size: readonly number[],
    private readonly channels: number,
  ) {
    this.pixels = size.reduce((a, b) => a * b, 1);
    this.mask = new Float32Array(this.pixels);
    if (spatial.length === 2)
      this.plane = {
        ys: cornerTaps(spatial[0], size[0]),
        xs: cornerTaps(spatial[1], size[1]),
        rows: new Float64Array(spatial[0] * size[1]),
      };
  }

  /**
   * Writes image ⊙ mask(channel) into row `j` of `batch` ([rows, C, ...size]).
   * @param channel one channel of the layer, [...spatial]
   * @param image one input, [C, ...size]
   */
  fill(batch: Float32Array, j: number, channel: Float32Array, image: Float32Array): void {
    const mask = this.plane ? this.upsamplePlane(channel) : this.upsampleAny(channel);
    const { min, max } = this;
    const range = max - min + MASK_EPS;
    const pixels = this.pixels;
    const o = j * this.channels * pixels;
    // One pass: each normalised mask value (rounded to float32, as it was stored before) serves every channel.
    if (this.channels === 3)
      for (let p = 0; p < pixels; p++) {
        const m = Math.fround((mask[p] - min) / range);
        batch[o + p] = image[p] * m;
        batch[o + pixels + p] = image[pixels + p] * m;
        batch[o + 2 * pixels + p] = image[2 * pixels + p] * m;
      }
    else {
      for (let p = 0; p < pixels; p++) mask[p] = (mask[p] - min) / range;
      for (let ch = 0; ch < this.channels; ch++)
        for (let p = 0; p < pixels; p++) batch[o + ch * pixels + p] = image[ch * pixels + p] * mask[p];
    }
  }

  /** resizeBilinear with corners aligned, one channel, rows interpolated once; its extremes on the way. */
  private upsamplePlane(channel: Float32Array): Float32Array {
    const { ys, xs, rows } = this.plane!;
    const [h, w] = this.spatial;
    const [outH, outW] = this.size;
    for (let y = 0; y < h; y++)
      for (let ox = 0; ox < outW; ox++) {
        const tx = xs.t[ox];
        rows[y * outW + ox] = channel[y * w + xs.i0[ox]] * (1 - tx) + channel[y * w + xs.i1[ox]] * tx;
      }
    const mask = this.mask;
    let min = Infinity;
    let max = -Infinity;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = ys.i0[oy] * outW;
      const r1 = ys.i1[oy] * outW;
      const ty = ys.t[oy];
      const o = oy * outW;
      for (let ox = 0; ox < outW; ox++) {
        const v = Math.fround(rows[r0 + ox] * (1 - ty) + rows[r1 + ox] * ty);
        mask[o + ox] = v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    this.min = min;
    this.max = max;
    return mask;
  }

  private upsampleAny(channel: Float32Array): Float32Array {
    const mask = this.mask;
    mask.set(resizeLinear({ data: channel, dims: [1, ...this.spatial] }, this.size, true).data);
    this.min = Infinity;
    this.max = -Infinity;
    for (let p = 0; p < mask.length; p++) {
      if (mask[p] < this.min) this.min = mask[p];
      if (mask[p] > this.max) this.max = mask[p];
    }
    return mask;
  }
}
