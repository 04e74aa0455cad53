/**
 * Token and channels-last layers in CAM form (src/cam/tokens.ts): grid inference, class-token dropping, layout
 * detection, and the rearranged values checked element by element against an independent index formula; plus the
 * Grad-CAM of a token layer equal to the Grad-CAM of the same values laid out as NCHW by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradCam } from '../src/cam/gradcam.js';
import { detectLayout, spatialFits, tokenGrid, toSpatialLayer } from '../src/cam/tokens.js';
import { InvalidInputError } from '../src/errors.js';

/** Values that encode their own index, different for A and dA. */
function indexed(n: number, offset: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => i + offset);
}

describe('tokenGrid', () => {
  it('finds the grid and the leading non-patch tokens', () => {
    assert.deepEqual(tokenGrid(197), { grid: [14, 14], prefixTokens: 1 }, 'ViT-B/16 at 224: class token + 14×14');
    assert.deepEqual(tokenGrid(17), { grid: [4, 4], prefixTokens: 1 }, 'ViT at 64 px');
    assert.deepEqual(tokenGrid(49), { grid: [7, 7], prefixTokens: 0 }, 'flattened Swin stage: no class token');
    assert.deepEqual(tokenGrid(198), { grid: [14, 14], prefixTokens: 2 }, 'DeiT: class + distillation token');
    assert.deepEqual(tokenGrid(201), { grid: [14, 14], prefixTokens: 5 }, 'class token + 4 registers');
    assert.deepEqual(tokenGrid(9), { grid: [3, 3], prefixTokens: 0 }, 'the smallest prefix wins (not 5 + 2×2)');
  });

  it('uses a stated grid or prefix', () => {
    assert.deepEqual(tokenGrid(1 + 5 * 12, { grid: [5, 12] }), { grid: [5, 12], prefixTokens: 1 });
    assert.deepEqual(tokenGrid(9, { prefixTokens: 5 }), { grid: [2, 2], prefixTokens: 5 });
    assert.deepEqual(tokenGrid(50, { grid: [7, 7], prefixTokens: 1 }), { grid: [7, 7], prefixTokens: 1 });
  });

  it('refuses what cannot be a grid, with a message that says what to state', () => {
    assert.throws(
      () => tokenGrid(1 + 5 * 12),
      (e: Error) => e instanceof InvalidInputError && /state the grid/.test(e.message),
    );
    assert.throws(() => tokenGrid(30, { grid: [6, 6] }), /does not fit 30 tokens/);
    assert.throws(() => tokenGrid(50, { grid: [7, 7], prefixTokens: 2 }), /does not fit/);
    assert.throws(() => tokenGrid(50, { prefixTokens: 2 }), /do not form a square grid/);
    assert.throws(() => tokenGrid(10, { grid: [0, 3] }), /positive integers/);
    assert.throws(() => tokenGrid(10, { prefixTokens: 10 }), /prefixTokens must be/);
  });
});

describe('detectLayout', () => {
  it('rank 3 is tokens, sequence-first when the batch size says so', () => {
    assert.equal(detectLayout([2, 17, 768]), 'tokens');
    assert.equal(detectLayout([17, 2, 768], { batch: 2 }), 'tokens-seq-first');
    assert.equal(detectLayout([2, 2, 768], { batch: 2 }), 'tokens', 'ambiguous: batch-first wins');
  });

  it('rank 4: Swin-style channels-last vs NCHW, by input size, channel count or the square-input default', () => {
    assert.equal(detectLayout([1, 16, 16, 96], { inputSize: [64, 64] }), 'nhwc');
    assert.equal(detectLayout([1, 2, 2, 768], { inputSize: [64, 64] }), 'nhwc');
    assert.equal(detectLayout([1, 56, 56, 96], { inputSize: [224, 224] }), 'nhwc', 'a channel count below the input size');
    assert.equal(detectLayout([1, 96, 56, 56], { inputSize: [224, 224] }), 'nchw');
    assert.equal(detectLayout([1, 3, 4, 96], { inputSize: [48, 64] }), 'nhwc', 'non-square input');
    assert.equal(detectLayout([1, 96, 3, 4], { inputSize: [48, 64] }), 'nchw');
    assert.equal(detectLayout([1, 8, 8, 8], { inputSize: [64, 64] }), 'nchw', 'both readings fit: NCHW (ONNX convention)');
    assert.equal(detectLayout([1, 7, 7, 768]), 'nhwc');
    assert.equal(detectLayout([1, 768, 7, 7]), 'nchw');
    assert.equal(detectLayout([1, 8, 8, 8], { channels: 8 }), 'nchw', 'channel count on both axes 1 and 3: NCHW');
    assert.equal(detectLayout([1, 8, 8, 16], { channels: 16 }), 'nhwc');
    assert.equal(detectLayout([1, 16, 8, 8], { channels: 16 }), 'nchw');
    assert.equal(detectLayout([1, 16, 8, 8], { layout: 'nhwc' }), 'nhwc', 'stated layout wins');
    assert.equal(detectLayout([1, 2, 3, 4, 5]), 'nchw', 'other ranks are left alone');
  });

  it('spatialFits: aspect ratio within one row/column and not larger than the input', () => {
    assert.ok(spatialFits(7, 7, [224, 224]));
    assert.ok(spatialFits(3, 4, [100, 120]));
    assert.ok(!spatialFits(7, 768, [224, 224]));
    assert.ok(!spatialFits(300, 300, [224, 224]));
  });
});

describe('toSpatialLayer', () => {
  it('tokens [N, 1 + gh·gw, C] → [N, C, gh, gw]: class token dropped, row-major grid, A and dA alike', () => {
    const [n, gh, gw, c] = [2, 2, 3, 4];
    const t = 1 + gh * gw;
    const len = n * t * c;
    const out = toSpatialLayer(
      { dims: [n, t, c], activation: indexed(len, 0), gradient: indexed(len, 1000) },
      { grid: [gh, gw] },
    );
    assert.deepEqual(out.dims, [n, c, gh, gw]);
    assert.equal(out.layout, 'tokens');
    assert.equal(out.prefixTokens, 1);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < gh; y++)
          for (let x = 0; x < gw; x++) {
            const at = ((i * c + ch) * gh + y) * gw + x;
            const token = 1 + y * gw + x;
            assert.equal(out.activation[at], (i * t + token) * c + ch);
            assert.equal(out.gradient[at], (i * t + token) * c + ch + 1000);
          }
  });

  it('sequence-first tokens [T, N, C] and flattened tokens without class token', () => {
    const [n, t, c] = [2, 5, 3];
    const len = n * t * c;
    const out = toSpatialLayer(
      { dims: [t, n, c], activation: indexed(len, 0), gradient: indexed(len, 0) },
      { batch: n, prefixTokens: 1 },
    );
    assert.deepEqual(out.dims, [n, c, 2, 2]);
    assert.equal(out.layout, 'tokens-seq-first');
    // image 1, channel 2, grid (1, 0) = token 1 + 2 = 3: source [3, 1, 2]
    assert.equal(out.activation[((1 * c + 2) * 2 + 1) * 2 + 0], (3 * n + 1) * c + 2);
    const flat = toSpatialLayer({ dims: [1, 4, 2], activation: indexed(8, 0), gradient: indexed(8, 0) });
    assert.deepEqual(flat.dims, [1, 2, 2, 2]);
    assert.equal(flat.prefixTokens, 0);
    assert.deepEqual([...flat.activation], [0, 2, 4, 6, 1, 3, 5, 7]);
  });

  it('channels-last [N, H, W, C] → [N, C, H, W]; NCHW returned unchanged', () => {
    const [n, h, w, c] = [2, 3, 2, 5];
    const len = n * h * w * c;
    const out = toSpatialLayer(
      { dims: [n, h, w, c], activation: indexed(len, 0), gradient: indexed(len, 7) },
      { layout: 'nhwc' },
    );
    assert.deepEqual(out.dims, [n, c, h, w]);
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++)
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const at = ((i * c + ch) * h + y) * w + x;
            assert.equal(out.activation[at], ((i * h + y) * w + x) * c + ch);
            assert.equal(out.gradient[at], ((i * h + y) * w + x) * c + ch + 7);
          }
    const a = indexed(len, 0);
    const same = toSpatialLayer({ dims: [n, c, h, w], activation: a, gradient: a }, { layout: 'auto', inputSize: [48, 32] });
    assert.equal(same.layout, 'nchw');
    assert.equal(same.activation, a, 'no copy');
  });

  it('Grad-CAM of a token layer equals Grad-CAM of the same values written as NCHW, and ignores the class token', () => {
    const [gh, gw, c] = [2, 2, 3];
    // NCHW values by hand: A[c][p], dA[c][p]
    const a = [
      [1, 2, 3, 4],
      [0, -1, 2, 5],
      [3, 3, 1, 0],
    ];
    const da = [
      [0.5, 0.1, -0.2, 0.3],
      [1, 0, 0, -1],
      [-0.5, 0.25, 0.25, 0],
    ];
    const nchw = { dims: [1, c, gh, gw], activation: Float32Array.from(a.flat()), gradient: Float32Array.from(da.flat()) };
    const tokA = new Float32Array((1 + gh * gw) * c);
    const tokG = new Float32Array((1 + gh * gw) * c);
    for (let ch = 0; ch < c; ch++) {
      tokA[ch] = 100; // class token: huge values that must not leak into the map
      tokG[ch] = 100;
      for (let p = 0; p < gh * gw; p++) {
        tokA[(1 + p) * c + ch] = a[ch][p];
        tokG[(1 + p) * c + ch] = da[ch][p];
      }
    }
    const fromTokens = gradCam(toSpatialLayer({ dims: [1, 1 + gh * gw, c], activation: tokA, gradient: tokG }));
    const direct = gradCam(nchw);
    assert.deepEqual(fromTokens.dims, [1, gh, gw]);
    assert.deepEqual([...fromTokens.data], [...direct.data]);
    assert.deepEqual([...fromTokens.weights], [...direct.weights]);
  });

  it('refuses mismatched lengths and impossible layouts', () => {
    assert.throws(
      () => toSpatialLayer({ dims: [1, 5, 2], activation: new Float32Array(10), gradient: new Float32Array(9) }),
      InvalidInputError,
    );
    assert.throws(
      () =>
        toSpatialLayer(
          { dims: [1, 7, 2], activation: new Float32Array(14), gradient: new Float32Array(14) },
          { prefixTokens: 0 },
        ),
      /square grid/,
    );
    assert.throws(
      () =>
        toSpatialLayer({ dims: [1, 2, 3], activation: new Float32Array(6), gradient: new Float32Array(6) }, { layout: 'nhwc' }),
      /\[N, H, W, C\]/,
    );
  });
});
