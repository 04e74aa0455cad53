/**
 * The Grad-CAM maths (src/cam) against hand-computed vectors: Toy1 and Toy2 of ../shared/reference/toy-vectors.md
 * (A and dA written out here, so no model is run), the half-pixel resize convention, and torch F.interpolate on
 * random non-square cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gradCam, gradCamWeights, weightedChannelSum } from '../src/cam/gradcam.js';
import { finalizeMaps, normalizeMinMax, relu, resizeBilinear } from '../src/cam/postprocess.js';
import { InvalidInputError } from '../src/errors.js';
import { assertClose } from './helpers/compare.js';

const f32 = (a: number[]): Float32Array => Float32Array.from(a);

// Toy1: input 0..15 (4×4), conv 3×3 of ones with biases [-50, -75] → A = [[-5, 4], [31, 40]], [[-30, -21], [6, 15]];
// ReLU, flatten, Linear row 0 = [1,1,1,1,1,-1,-1,-1] then ReLU (its input 54 > 0), so dY0/dA is that row masked by
// A > 0: G0 = [[0, 1], [1, 1]], G1 = [[0, 0], [-1, -1]] → weights [0.75, -0.5].
const TOY1 = {
  dims: [1, 2, 2, 2],
  activation: f32([-5, 4, 31, 40, -30, -21, 6, 15]),
  gradient: f32([0, 1, 1, 1, 0, 0, -1, -1]),
};
const TOY1_RAW = [11.25, 13.5, 20.25, 22.5];
const TOY1_FINAL = [0, 0.05, 0.15, 0.2, 0.2, 0.25, 0.35, 0.4, 0.6, 0.65, 0.75, 0.8, 0.8, 0.85, 0.95, 1];

// Toy2 (toy-vectors.md): A0 = [[11.5, 16.5], [3.5, 10.5]], A1 = [[11.5, -0.5], [0.5, 10.5]],
// G0 = [[1, -1], [2, .5]], G1 = [[-.5, 0], [0, 2]].
const TOY2 = {
  dims: [1, 2, 2, 2],
  activation: f32([11.5, 16.5, 3.5, 10.5, 11.5, -0.5, 0.5, 10.5]),
  gradient: f32([1, -1, 2, 0.5, -0.5, 0, 0, 2]),
};
const TOY2_RAW = [11.5, 10.125, 2.375, 10.5];
// pytorch-grad-cam's final map (it divides by max + 1e-7, hence the 1e-6 tolerance below).
const TOY2_FINAL = [
  1, 0.962329, 0.886986, 0.849315, 0.75, 0.777397, 0.832192, 0.859589, 0.25, 0.407534, 0.722603, 0.880137, 0, 0.222603, 0.667808,
  0.890411,
];

describe('Grad-CAM channel weights and raw map', () => {
  it('Toy1: weights [0.75, -0.5], raw map [[11.25, 13.5], [20.25, 22.5]]', () => {
    const r = gradCam(TOY1);
    assert.deepEqual(r.dims, [1, 2, 2]);
    assertClose(r.weights, [0.75, -0.5], 1e-7, 'Toy1 weights');
    assertClose(r.data, TOY1_RAW, 1e-7, 'Toy1 raw map');
  });

  it('Toy2: weights [0.625, 0.375], raw map [[11.5, 10.125], [2.375, 10.5]]', () => {
    const r = gradCam(TOY2);
    assertClose(r.weights, [0.625, 0.375], 1e-7, 'Toy2 weights');
    assertClose(r.data, TOY2_RAW, 1e-7, 'Toy2 raw map');
  });

  it('a batch of two images keeps them apart (Toy1 then Toy2)', () => {
    const batch = {
      dims: [2, 2, 2, 2],
      activation: f32([...TOY1.activation, ...TOY2.activation]),
      gradient: f32([...TOY1.gradient, ...TOY2.gradient]),
    };
    const r = gradCam(batch);
    assert.deepEqual(r.dims, [2, 2, 2]);
    assertClose(r.weights, [0.75, -0.5, 0.625, 0.375], 1e-7, 'batch weights');
    assertClose(r.data, [...TOY1_RAW, ...TOY2_RAW], 1e-7, 'batch raw maps');
    const fin = finalizeMaps(r, 4, 4);
    assert.deepEqual(fin.constant, [false, false]);
    assertClose(fin.data, [...TOY1_FINAL, ...TOY2_FINAL], 1e-6, 'batch final maps');
  });

  it('weights and the weighted sum are usable on their own; no ReLU is applied to the raw map', () => {
    const w = gradCamWeights(TOY1.gradient, TOY1.dims);
    const negated = weightedChannelSum(
      TOY1.activation,
      w.map((v) => -v),
      TOY1.dims,
    );
    assertClose(
      negated.data,
      TOY1_RAW.map((v) => -v),
      1e-7,
      'negated raw map',
    );
  });

  it('volumes [N, C, d, h, w]: the mean runs over every spatial position', () => {
    // One channel, 2×1×2 positions: gradient mean = (1 + 2 + 3 + 6) / 4 = 3.
    const r = gradCam({ dims: [1, 1, 2, 1, 2], activation: f32([1, -1, 2, 0]), gradient: f32([1, 2, 3, 6]) });
    assert.deepEqual(r.dims, [1, 2, 1, 2]);
    assertClose(r.data, [3, -3, 6, 0], 1e-7, 'volume raw map');
  });

  it('rejects mismatched lengths and layers without spatial extent', () => {
    assert.throws(() => gradCam({ ...TOY1, gradient: f32([1, 2]) }), InvalidInputError);
    assert.throws(() => gradCam({ dims: [1, 4], activation: f32([1, 2, 3, 4]), gradient: f32([1, 2, 3, 4]) }), InvalidInputError);
  });
});

describe('post-processing: ReLU and per-image min-max', () => {
  it('ReLU zeroes negatives and keeps the dims', () => {
    const r = relu({ data: f32([-1, 0, 2.5, -0.25]), dims: [1, 2, 2] });
    assert.deepEqual([...r.data], [0, 0, 2.5, 0]);
    assert.deepEqual(r.dims, [1, 2, 2]);
  });

  it('min-max maps each image to [0, 1] independently', () => {
    const r = normalizeMinMax({ data: f32([2, 4, 6, 10, -3, -1, -2, -3]), dims: [2, 2, 2] });
    assert.deepEqual(r.constant, [false, false]);
    assertClose(r.data, [0, 0.25, 0.5, 1, 0, 1, 0.5, 0], 1e-7, 'normalised');
  });

  it('a constant map gives all zeros and constant: true, never NaN (also all-zero maps after ReLU)', () => {
    const r = normalizeMinMax({ data: f32([5, 5, 5, 5, 0, 0, 0, 0, 1, 2, 3, 4]), dims: [3, 2, 2] });
    assert.deepEqual(r.constant, [true, true, false]);
    assert.deepEqual(
      [...r.data],
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 1 / 3, 2 / 3, 1].map((v) => Math.fround(v)),
    );
    const allNegative = finalizeMaps({ data: f32([-1, -2, -3, -4]), dims: [1, 2, 2] }, 3, 5);
    assert.deepEqual(allNegative.constant, [true]);
    assert.ok(allNegative.data.every((v) => v === 0));
  });

  it('float32 noise on a flat map counts as constant; a tiny but genuine range does not', () => {
    const noisy = normalizeMinMax({ data: f32([1000, 1000.0001, 1000, 1000]), dims: [1, 2, 2] });
    assert.deepEqual(noisy.constant, [true]);
    const tiny = normalizeMinMax({ data: f32([0, 1e-12, 2e-12, 4e-12]), dims: [1, 2, 2] });
    assert.deepEqual(tiny.constant, [false]);
    assertClose(tiny.data, [0, 0.25, 0.5, 1], 1e-6, 'tiny-scale map');
  });
});

describe('post-processing: bilinear resize with half-pixel centres', () => {
  it('Toy2 raw map to 4×4: first row 11.5, 11.15625, 10.46875, 10.125 (not corner-aligned, not tfjs)', () => {
    const r = resizeBilinear({ data: f32(TOY2_RAW), dims: [1, 2, 2] }, 4, 4);
    assert.deepEqual(r.dims, [1, 4, 4]);
    assertClose(r.data.subarray(0, 4), [11.5, 11.15625, 10.46875, 10.125], 1e-7, 'first row');
    // The first column interpolates 11.5 → 2.375 the same way.
    assertClose([r.data[0], r.data[4], r.data[8], r.data[12]], [11.5, 9.21875, 4.65625, 2.375], 1e-7, 'first column');
  });

  it('corner-aligned variant (Score-CAM masks): first row 11.5, 11.0417, 10.5833, 10.125', () => {
    const r = resizeBilinear({ data: f32(TOY2_RAW), dims: [1, 2, 2] }, 4, 4, true);
    assertClose(r.data.subarray(0, 4), [11.5, 11.041667, 10.583333, 10.125], 1e-6, 'first row');
    assertClose([r.data[0], r.data[12], r.data[15]], [11.5, 2.375, 10.5], 1e-7, 'corners are the input corners');
  });

  it('Toy1 and Toy2 final 4×4 maps (ReLU, min-max, upsample)', () => {
    assertClose(finalizeMaps({ data: f32(TOY1_RAW), dims: [1, 2, 2] }, 4, 4).data, TOY1_FINAL, 1e-7, 'Toy1 final');
    assertClose(finalizeMaps({ data: f32(TOY2_RAW), dims: [1, 2, 2] }, 4, 4).data, TOY2_FINAL, 1e-6, 'Toy2 final');
  });

  it('same size is the identity; halving averages 2×2 blocks', () => {
    const x = f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    assert.deepEqual([...resizeBilinear({ data: x, dims: [1, 4, 4] }, 4, 4).data], [...x]);
    assertClose(resizeBilinear({ data: x, dims: [1, 4, 4] }, 2, 2).data, [3.5, 5.5, 11.5, 13.5], 1e-7, 'halved');
    // A 1×1 map broadcasts; a 1-pixel-wide output samples the centre.
    assert.deepEqual([...resizeBilinear({ data: f32([7]), dims: [1, 1, 1] }, 2, 3).data], [7, 7, 7, 7, 7, 7]);
    assertClose(resizeBilinear({ data: f32([0, 10, 20, 30]), dims: [1, 1, 4] }, 1, 1).data, [15], 1e-7, 'to 1×1');
  });

  // Generated with /usr/bin/python3 (torch 1.13), torch.manual_seed(0):
  //   x = torch.round(torch.randn(n, h, w, dtype=torch.float64) * 1000) / 1000
  //   F.interpolate(x[:, None], size=(oh, ow), mode='bilinear', align_corners=False)[:, 0], printed with 7 digits.
  const TORCH_CASES = [
    {
      dims: [2, 3, 5],
      out: [7, 4],
      input: [
        -2.31, -0.373, -1.061, 1.0, -0.884, -1.276, -0.623, -0.866, -1.296, 1.524, 0.324, 2.018, 1.136, -1.227, 0.52, -0.953,
        -0.092, 0.556, -0.009, -1.218, -1.265, -1.12, -1.746, 1.041, 0.654, 0.148, -1.146, 1.873, -0.31, 0.24,
      ],
      expected: [
        -2.067875, -0.631, 0.227125, -0.6485, -1.943089, -0.642875, 0.03257143, -0.3885, -1.568732, -0.6785, -0.5510893, 0.3915,
        -1.194375, -0.714125, -1.13475, 1.1715, -0.4528929, 0.3150357, -0.7945179, 0.7986964, 0.2885893, 1.344196, -0.4542857,
        0.4258929, 0.53575, 1.68725, -0.340875, 0.301625, -0.845375, 0.151, 0.202875, -1.066875, -0.9027321, -0.06410714,
        0.1733036, -0.814125, -1.074804, -0.7094286, 0.08458929, -0.055875, -1.246875, -1.35475, -0.004125, 0.702375, -0.7183929,
        -0.7800893, 0.215625, 0.47475, -0.1899107, -0.2054286, 0.435375, 0.247125, -0.01375, -0.013875, 0.508625, 0.17125,
      ],
    },
    {
      dims: [1, 6, 4],
      out: [3, 9],
      input: [
        0.369, -0.187, -3.145, -0.114, 1.696, -0.665, -0.587, 2.832, -1.763, 1.011, 0.131, -1.357, -0.108, 0.315, -0.523, -0.592,
        0.054, 1.474, 1.013, 0.854, 0.11, 0.703, 0.381, -0.066,
      ],
      expected: [
        1.0325, 0.7894167, 0.1411944, -0.506, -1.146, -1.786, -0.6118333, 0.8215, 1.359, -0.9355, -0.6690833, 0.04136111,
        0.6152778, 0.2335, -0.1482778, -0.49875, -0.84475, -0.9745, 0.082, 0.24975, 0.6970833, 1.06675, 0.89275, 0.71875,
        0.5791667, 0.4445, 0.394,
      ],
    },
    {
      dims: [1, 5, 7],
      out: [2, 3],
      input: [
        -0.395, 0.446, 0.54, 0.282, -0.515, -1.467, 1.11, 0.276, -1.318, 0.889, 1.12, 0.603, -0.925, -1.315, 1.968, -0.041,
        -0.349, -1.209, -1.063, 1.388, -0.117, 1.553, -0.321, 1.562, -0.204, 1.094, 0.053, 0.751, -0.329, 1.427, 0.102, -1.427,
        0.833, 0.875, 0.263,
      ],
      expected: [-0.5485833, 0.9105, -0.94325, 0.4381667, -0.50975, 0.382],
    },
  ];
  for (const c of TORCH_CASES) {
    it(`matches torch F.interpolate(bilinear, align_corners=False): [${c.dims}] → ${c.out[0]}×${c.out[1]}`, () => {
      const r = resizeBilinear({ data: f32(c.input), dims: c.dims }, c.out[0], c.out[1]);
      assert.deepEqual(r.dims, [c.dims[0], ...c.out]);
      assertClose(r.data, c.expected, 1e-6, 'resized');
    });
  }

  it('rejects maps that are not [N, h, w] and bad sizes', () => {
    assert.throws(() => resizeBilinear({ data: f32([1, 2]), dims: [2] }, 2, 2), InvalidInputError);
    assert.throws(() => resizeBilinear({ data: f32([1]), dims: [1, 1, 1] }, 0, 2), InvalidInputError);
    assert.throws(() => resizeBilinear({ data: f32([1, 2]), dims: [1, 1, 1] }, 2, 2), InvalidInputError);
  });
});
