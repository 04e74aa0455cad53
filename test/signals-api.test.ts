/**
 * Signal models [N, C, L] through the library, on a tiny 1-D classifier built here (Conv 1-D → Relu → MaxPool 2 →
 * GlobalAveragePool → Gemm) whose maps are computed by hand in float64 in this file: its forward pass, the gradient
 * of a class score at the ReLU (fc/L per channel, summed over each pool window) and at the pool (fc/(L/2)), then
 * Grad-CAM, Score-CAM (masks linearly upsampled with corners aligned) and Ablation-CAM (y_k = y − fc·mean(p_k)), each
 * finished as pytorch-grad-cam does (ReLU, min-max, linear half-pixel upsample to L, min-max). Also: the length from
 * `size` (1000 when free and not given), the default layer, the result's length fields, the intensity preset applied
 * per signal, and the inputs that do not fit refused with typed errors. The torch float64 references on exported 1-D
 * CNNs are test/zoo/signals.test.ts's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, InvalidOptionError, createImageExplainer } from '../src/node.js';
import { applyIntensity } from '../src/volume/intensity.js';
import { maxAbsDiff } from './helpers/compare.js';
import { tinyModel } from './helpers/tiny-model.js';

const C = 2;
const K = 3;
const W = Array.from({ length: K * C * 3 }, (_, i) => Math.sin(i * 1.3));
const B = [0.1, -0.2, 0.05];
const FC = [1, -0.5, 0.3, -0.7, 0.8, 0.2];
const FB = [0, 0.1];

const model = tinyModel({
  inputs: [{ name: 'x', dims: ['N', C, 'L'] }],
  outputs: ['y'],
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3], pads: [1, 1] } },
    { op: 'Relu', inputs: ['c'], outputs: ['r'] },
    { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2], strides: [2] } },
    { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] },
    { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
    { op: 'Gemm', inputs: ['f', 'fc', 'fb'], outputs: ['y'], attrs: { transB: 1 } },
  ],
  initializers: [
    { name: 'w', dims: [K, C, 3], values: W },
    { name: 'b', dims: [K], values: B },
    { name: 'fc', dims: [2, K], values: FC },
    { name: 'fb', dims: [2], values: FB },
  ],
});

/** The model's forward pass in float64: the ReLU's output r [K][L], the pool's p [K][L/2] and the scores. */
function forward(x: ArrayLike<number>, L: number) {
  const r = Array.from({ length: K }, (_, k) =>
    Array.from({ length: L }, (_, l) => {
      let s = B[k];
      for (let ch = 0; ch < C; ch++)
        for (let t = 0; t < 3; t++) {
          const at = l + t - 1;
          if (at >= 0 && at < L) s += W[(k * C + ch) * 3 + t] * x[ch * L + at];
        }
      return Math.max(0, s);
    }),
  );
  const p = r.map((row) => Array.from({ length: L / 2 }, (_, j) => Math.max(row[2 * j], row[2 * j + 1])));
  const g = p.map((row) => row.reduce((a, b) => a + b, 0) / row.length);
  const y = [0, 1].map((cls) => FB[cls] + g.reduce((a, v, k) => a + FC[cls * K + k] * v, 0));
  return { r, p, y };
}

/** torch interpolate(mode='linear'): half-pixel centres clamped at the borders, or corners aligned. */
function linear(src: readonly number[], out: number, alignCorners = false): number[] {
  const n = src.length;
  return Array.from({ length: out }, (_, o) => {
    const at = alignCorners ? (out > 1 ? (o * (n - 1)) / (out - 1) : 0) : Math.max(0, ((o + 0.5) * n) / out - 0.5);
    const i0 = Math.min(Math.floor(at), n - 1);
    const i1 = Math.min(i0 + 1, n - 1);
    return src[i0] + (src[i1] - src[i0]) * (at - i0);
  });
}

const minMax = (m: readonly number[]) => {
  const lo = Math.min(...m);
  const hi = Math.max(...m);
  return m.map((v) => (v - lo) / (hi - lo));
};

/** pytorch-grad-cam's finish: ReLU, min-max at the layer, linear half-pixel upsample to L, min-max. */
const finish = (raw: readonly number[], L: number) => minMax(linear(minMax(raw.map((v) => Math.max(0, v))), L));

/** Σ_k w_k·A_k of a layer [K][l]. */
const weighted = (a: readonly number[][], w: readonly number[]) =>
  a[0].map((_, l) => a.reduce((s, row, k) => s + w[k] * row[l], 0));

const L = 16;
const signal = Float32Array.from({ length: C * L }, (_, i) => Math.cos(i * 0.7) + 0.3 * Math.sin(i * 2.1));

describe('signal models in the API', () => {
  it('length from size (one side or [L]; 1000 when free and not given); other arities are InvalidOptionErrors', async () => {
    const one = await createImageExplainer(model, { size: 64 });
    assert.deepEqual(one.inputShape, [1, C, 64]);
    await one.release();
    const listed = await createImageExplainer(model, { size: [48] });
    assert.deepEqual(listed.inputShape, [1, C, 48]);
    await listed.release();
    const free = await createImageExplainer(model);
    assert.deepEqual(free.inputShape, [1, C, 1000]);
    await free.release();
    await assert.rejects(
      createImageExplainer(model, { size: [8, 8] }),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'size' && /\[length\]/.test(e.message),
    );
  });

  it('the default layer is the last [N, C, l] layer with l > 1 (the pool, not the pooled [N, C, 1])', async () => {
    const ex = await createImageExplainer(model, { size: L });
    try {
      assert.deepEqual(
        ex.layers.map((l) => [l.tensor, l.dims]),
        [
          ['c', [1, K, L]],
          ['r', [1, K, L]],
          ['p', [1, K, L / 2]],
          ['g', [1, K, 1]],
        ],
      );
      assert.deepEqual(ex.resolveLayers(), [{ name: 'p', tensor: 'p' }]);
    } finally {
      await ex.release();
    }
  });

  it('Grad-CAM at the ReLU and the pool, Score-CAM and Ablation-CAM at the pool = the float64 maps computed by hand', async () => {
    const { r, p, y } = forward(signal, L);
    const cls = y[1] > y[0] ? 1 : 0;
    const fc = FC.slice(cls * K, (cls + 1) * K);
    // Grad-CAM: w_k = mean of dy/dA_k: fc_k/(L/2) at the pool; at the ReLU the pool passes fc_k/(L/2) to one position
    // of each of its L/2 windows, so the mean over L positions is fc_k/L.
    const expected: Record<string, number[]> = {
      'gradcam r': finish(
        weighted(
          r,
          fc.map((v) => v / L),
        ),
        L,
      ),
      'gradcam p': finish(
        weighted(
          p,
          fc.map((v) => v / (L / 2)),
        ),
        L,
      ),
    };
    // Score-CAM: each channel of p upsampled with corners aligned, min-max (+1e-8), times the input; softmax of scores.
    const masked = p.map((row) => {
      const up = linear(row, L, true);
      const lo = Math.min(...up);
      const hi = Math.max(...up);
      const mask = up.map((v) => (v - lo) / (hi - lo + 1e-8));
      return forward(
        Array.from(signal, (v, i) => v * mask[i % L]),
        L,
      ).y[cls];
    });
    const top = Math.max(...masked);
    const soft = masked.map((s) => Math.exp(s - top));
    const total = soft.reduce((a, b) => a + b, 0);
    expected['scorecam p'] = finish(
      weighted(
        p,
        soft.map((s) => s / total),
      ),
      L,
    );
    // Ablation-CAM: zeroing channel k of p lowers the score by fc_k·mean(p_k); w_k = that drop / y.
    expected['ablationcam p'] = finish(
      weighted(
        p,
        p.map((row, k) => (fc[k] * row.reduce((a, b) => a + b, 0)) / row.length / y[cls]),
      ),
      L,
    );
    const ex = await createImageExplainer(model, { size: L });
    try {
      for (const [what, want] of Object.entries(expected)) {
        const [method, layer] = what.split(' ');
        const [res] = await ex.explain([{ tensor: signal, dims: [C, L], name: 'sig' }], {
          method: method as 'gradcam',
          layers: [layer],
        });
        assert.equal(res.classIndex, cls, 'the predicted class');
        assert.ok(Math.abs(res.logit - y[cls]) < 1e-5, `${what}: logit ${res.logit} vs ${y[cls]}`);
        assert.deepEqual(
          [res.length, res.inputLength, res.layerLength, res.width, res.height, res.map.length],
          [L, L, layer === 'p' ? L / 2 : L, L, 1, L],
        );
        assert.equal(res.depth, undefined);
        assert.deepEqual(res.map, res.inputMap, 'a signal is explained at its own length');
        const err = maxAbsDiff(res.map, want);
        assert.ok(err < 1e-5, `${what}: max |gcam − hand| = ${err}`);
      }
    } finally {
      await ex.release();
    }
  });

  it('the intensity preset applies to each signal as a whole: maps and scores are those of the scaled signal', async () => {
    const ex = await createImageExplainer(model, { size: L });
    try {
      const other = Float32Array.from(signal, (v, i) => 40 + 25 * v + (i % 5));
      const preset = await ex.explain(
        [
          { tensor: signal, dims: [C, L] },
          { tensor: other, dims: [C, L] },
        ],
        { intensity: 'zscore' },
      );
      const byHand = await ex.explain(
        [signal, other].map((t) => ({ tensor: applyIntensity(t, { kind: 'zscore' }), dims: [C, L] })),
      );
      for (const [i, r] of preset.entries()) {
        assert.deepEqual(r.map, byHand[i].map);
        assert.equal(r.score, byHand[i].score);
      }
      const plain = await ex.explain([{ tensor: other, dims: [C, L] }]);
      assert.notEqual(plain[0].score, preset[1].score, 'the preset changed what the model saw');
    } finally {
      await ex.release();
    }
  });

  it('tensors of the wrong channels, length or kind, photos, volumes and image presets are refused by name', async () => {
    const ex = await createImageExplainer(model, { size: L });
    try {
      const refused = async (input: Parameters<typeof ex.explain>[0][number], pattern: RegExp, options = {}) =>
        assert.rejects(
          ex.explain([input], options),
          (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message),
          String(pattern),
        );
      await refused({ tensor: new Float32Array(3 * L), dims: [3, L] }, /is \[3, 16\].*the model takes \[2, 16\]\.$/);
      await refused({ tensor: new Float32Array(C * 20), dims: [C, 20] }, /is \[2, 20\].*the model takes \[2, 16\]/);
      await refused(
        { tensor: new Float32Array(C * L * L), dims: [C, L, L], name: 'img' },
        /img is \[2, 16, 16\] with 512 values, a 2-D image \[C, H, W\]; the model takes \[2, 16\] \(a signal \[C, L\]\)/,
      );
      await refused({ width: 4, height: 4, channels: 3, data: new Uint8Array(48) }, /2-D image; this model takes signals/, {
        preprocess: 'none',
      });
      await refused({ volume: new Float32Array(8), dims: [2, 2, 2] }, /is a volume/);
      await assert.rejects(
        ex.explain([{ tensor: signal, dims: [C, L] }], { preprocess: 'imagenet' }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'preprocess' && /signals \[N, C, L\]/.test(e.message),
      );
    } finally {
      await ex.release();
    }
  });

  it('a signal tensor given to an image model is named as a signal', async () => {
    const image = tinyModel({
      inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }],
      outputs: ['y'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [1, 1] } },
        { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
      ],
      initializers: [{ name: 'w', dims: [2, 1, 1, 1], values: [1, -1] }],
    });
    const ex = await createImageExplainer(image);
    try {
      await assert.rejects(
        ex.explain([{ tensor: new Float32Array(16), dims: [1, 16] }], { preprocess: 'none' }),
        (e: unknown) =>
          e instanceof InvalidInputError &&
          /a signal \[C, L\]; the model takes \[1, 4, 4\] \(a 2-D image \[C, H, W\]\)/.test(e.message),
      );
    } finally {
      await ex.release();
    }
  });
});
