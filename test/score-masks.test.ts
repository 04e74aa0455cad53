/**
 * Score-CAM's masked inputs (src/cam/score-masks.ts) against the way scorecam.ts built them before: the channel
 * upsampled by resizeLinear with corners aligned, min-max normalised (1e-8 guard) into float32, times the image,
 * compared to the bit, for 2-D layers (the separable fast path), a signal and a volume (resizeLinear), a constant
 * channel and a non-3-channel input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resizeLinear } from '../src/cam/postprocess.js';
import { MaskedInputs } from '../src/cam/score-masks.js';

function reference(channel: Float32Array, spatial: number[], size: number[], image: Float32Array): Float32Array {
  const mask = resizeLinear({ data: channel, dims: [1, ...spatial] }, size, true).data;
  let min = Infinity;
  let max = -Infinity;
  for (const v of mask) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min + 1e-8;
  for (let p = 0; p < mask.length; p++) mask[p] = (mask[p] - min) / range;
  return Float32Array.from(image, (v, i) => v * mask[i % mask.length]);
}

/** Deterministic values in [-1, 1). */
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed) % 1);

describe('Score-CAM masked inputs', () => {
  const cases: [string, number[], number[], number][] = [
    ['2-D 7×7 → 224×224, RGB', [7, 7], [224, 224], 3],
    ['2-D non-square 3×5 → 17×29, one channel', [3, 5], [17, 29], 1],
    ['2-D same size', [6, 6], [6, 6], 2],
    ['signal 5 → 40', [5], [40], 2],
    ['volume 2×3×4 → 5×7×9', [2, 3, 4], [5, 7, 9], 1],
  ];
  for (const [name, spatial, size, cin] of cases)
    it(`${name}: the same values as upsample, normalise, multiply`, () => {
      const positions = spatial.reduce((a, b) => a * b, 1);
      const pixels = size.reduce((a, b) => a * b, 1);
      const image = values(cin * pixels, 1);
      const m = new MaskedInputs(spatial, size, cin);
      const batch = new Float32Array(3 * cin * pixels).fill(NaN);
      const channels = [values(positions, 2), values(positions, 3), new Float32Array(positions).fill(0.25)];
      channels.forEach((ch, j) => m.fill(batch, j, ch, image));
      channels.forEach((ch, j) =>
        assert.deepEqual(
          batch.subarray(j * cin * pixels, (j + 1) * cin * pixels),
          reference(ch, spatial, size, image),
          `row ${j}`,
        ),
      );
    });
});
