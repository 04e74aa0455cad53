/**
 * Test-time augmentation for 'aug-smooth' (the smoothing of Jacob Gildenblat's pytorch-grad-cam, described there as
 * horizontal flips × brightness multipliers): each model input is flipped left-right or not and multiplied by 0.9, 1
 * or 1.1 (6 copies); a map computed on a flipped copy is flipped back before averaging.
 */
export interface Augmentation {
  flip: boolean;
  /** Multiplies the model input tensor (after preprocessing, as the reference does). */
  factor: number;
}

export const AUGMENTATIONS: readonly Augmentation[] = [false, true].flatMap((flip) =>
  [1, 1.1, 0.9].map((factor) => ({ flip, factor })),
);

/** Applies an augmentation to a batch of NCHW inputs [N, c, h, w]; returns a new array. */
export function augmentInput(x: Float32Array, h: number, w: number, aug: Augmentation): Float32Array {
  const out = new Float32Array(x.length);
  const planes = x.length / (h * w);
  for (let pl = 0; pl < planes; pl++)
    for (let y = 0; y < h; y++) {
      const row = pl * h * w + y * w;
      for (let i = 0; i < w; i++) out[row + i] = x[row + (aug.flip ? w - 1 - i : i)] * aug.factor;
    }
  return out;
}

/** Flips a batch of maps [N, h, w] left-right; returns a new array. */
export function flipMaps(maps: Float32Array, w: number): Float32Array {
  const out = new Float32Array(maps.length);
  for (let r = 0; r < maps.length / w; r++) for (let i = 0; i < w; i++) out[r * w + i] = maps[r * w + w - 1 - i];
  return out;
}
