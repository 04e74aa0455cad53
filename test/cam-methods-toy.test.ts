/**
 * Every CAM method on the two toy models of ../shared/reference/toy-vectors.md (golden values measured with the Python
 * reference libraries, Grad-CAM++ as the paper's eq. 19), through the real engine: the explain model gives A and dA,
 * Score-CAM runs masked inputs forward, Ablation-CAM runs the tail model on ablated activations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ExplainSession } from '../src/runtime/explain-session.js';
import { ForwardSession } from '../src/runtime/forward-session.js';
import { TailSession } from '../src/runtime/tail-session.js';
import { GraphView } from '../src/onnx/graph.js';
import { createImageExplainer, loadModel, nodeRuntime, type ImageExplainer } from '../src/node.js';
import { methodFor, METHODS } from '../src/cam/methods/index.js';
import { rawMaps } from '../src/cam/combine.js';
import type { CamContext, CamOutput } from '../src/cam/method.js';
import type { LayerValues } from '../src/cam/types.js';
import { assertClose } from './helpers/compare.js';
import { TOY1_INPUT, TOY2_INPUT, toy1, toy2 } from './helpers/toy-models.js';

const SETTINGS = { scoreCamBatch: 2, ablationBatch: 2 };

interface Toy {
  explainer: ExplainSession;
  forward: ForwardSession;
  tail: TailSession;
  layer: LayerValues;
  x: Float32Array;
  scores: Float32Array;
}

async function loadToy(bytes: Uint8Array, input: number[], cls: number): Promise<Toy> {
  const decoded = loadModel(bytes);
  const runtime = nodeRuntime();
  const explainer = await ExplainSession.create(runtime, decoded, { targets: ['A'], inputShape: [1, 1, 4, 4] });
  const view = new GraphView(decoded.proto);
  const forward = await ForwardSession.create(runtime, decoded, view, { inputShape: [1, 1, 4, 4] });
  const tail = await TailSession.create(runtime, decoded, view, { target: 'A', inputShape: [1, 1, 4, 4] });
  const x = Float32Array.from(input);
  const tw = new Float32Array(explainer.model.numClasses);
  tw[cls] = 1;
  const run = await explainer.run(x, tw);
  const l = run.layers[0];
  return {
    explainer,
    forward,
    tail,
    layer: { dims: l.dims, activation: l.activation, gradient: l.gradient },
    x,
    scores: run.scores,
  };
}

function context(t: Toy, cls: number): CamContext {
  return {
    layer: t.layer,
    input: t.x,
    inputDims: [1, 1, 4, 4],
    classes: [cls],
    scores: Float32Array.of(t.scores[cls]),
    forward: (inputs) => t.forward.scores(inputs),
    tail: (acts, row) => t.tail.scores(acts, t.x.subarray(row * 16, (row + 1) * 16)),
    settings: SETTINGS,
  };
}

async function compute(t: Toy, name: string, cls = 0): Promise<{ out: CamOutput; raw: Float32Array }> {
  const method = methodFor(name)!;
  const out = await method.compute(context(t, cls));
  return { out, raw: rawMaps(out, t.layer, false, [1, 1, 4, 4]).data };
}

function weightsOf(out: CamOutput): Float32Array {
  assert.equal(out.kind, 'weights');
  return (out as { weights: Float32Array }).weights;
}

describe('toy-vectors.md, Toy2 (gradients vary across positions), target class 0, layer A', () => {
  let t: Toy;
  before(async () => (t = await loadToy(toy2(), TOY2_INPUT, 0)));
  after(async () => {
    await t?.explainer.release();
    await t?.tail.release();
    await t?.forward.release();
  });

  it('A, G and the logits are those of the reference', () => {
    assertClose(t.layer.activation, [11.5, 16.5, 3.5, 10.5, 11.5, -0.5, 0.5, 10.5], 1e-6, 'A');
    assertClose(t.layer.gradient, [1, -1, 2, 0.5, -0.5, 0, 0, 2], 1e-6, 'G');
    assertClose(t.scores, [22.5, 44.6, 52.9], 1e-6, 'logits');
  });

  const RAW: [string, number[], number[]?][] = [
    ['gradcam', [11.5, 10.125, 2.375, 10.5], [0.625, 0.375]],
    ['hirescam', [5.75, -16.5, 7, 26.25]],
    ['layercam', [11.5, 0, 7, 26.25]],
    ['gradcamelementwise', [11.5, 0, 7, 26.25]],
    ['xgradcam', [9.95671, 2.501623, 0.950758, 9.090909]],
    ['gradcam++', [1.278805, 1.095677, 0.258767, 1.167605], [0.067722, 0.043478]],
  ];
  for (const [name, raw, weights] of RAW) {
    it(`${name}: raw map${weights ? ' and channel weights' : ''}`, async () => {
      const r = await compute(t, name);
      assertClose(r.raw, raw, 2e-6, `${name} raw map`);
      if (weights) assertClose(weightsOf(r.out), weights, 2e-6, `${name} weights`);
    });
  }

  it('gradcam++ is eq. 19, not the variant without the α division (torch-cam gives [[196.94, 146.56], [35.94, 179.81]])', async () => {
    const r = await compute(t, 'gradcam++');
    assert.ok(Math.abs(r.raw[0] - 196.9375) > 100);
  });

  it('scorecam: weights = softmax over channels of the masked-input scores', async () => {
    assertClose(weightsOf((await compute(t, 'scorecam')).out), [0.000399, 0.999601], 1e-6, 'scorecam weights');
  });

  it('scorecam with only the top channel by mean activation: that channel weighs 1, the other 0', async () => {
    // Channel means: A0 = 10.5, A1 = 5.5 → channel 0 kept.
    const out = await methodFor('scorecam')!.compute({ ...context(t, 0), settings: { ...SETTINGS, scoreCamChannels: 1 } });
    assertClose(weightsOf(out), [1, 0], 1e-7, 'scorecam top-1 weights');
  });

  it('scorecam scores the zero image once for all the channels that are zero everywhere (dead units)', async () => {
    // Channels 0 and 2 of this layer are Toy2's A0 and A1; channels 1 and 3 are zero at every position.
    const a = t.layer.activation;
    const layer = {
      dims: [1, 4, 2, 2],
      activation: Float32Array.of(...a.slice(0, 4), 0, 0, 0, 0, ...a.slice(4), 0, 0, 0, 0),
      gradient: new Float32Array(16),
    };
    let scored = 0;
    const forward = (inputs: Float32Array) => ((scored += inputs.length / 16), t.forward.scores(inputs));
    const w = weightsOf(await methodFor('scorecam')!.compute({ ...context(t, 0), layer, forward }));
    assert.equal(scored, 3, 'the two live channels and the zero image');
    // The reference, channel by channel: a 2×2 channel upsampled to 4×4 with corners aligned (samples at 0, 1/3, 2/3,
    // 1 of the way along each axis), min-max normalised, times the input; a dead channel's mask is 0 (0 / 1e-8).
    const maskOf = (c: number[]) => {
      const m = Array.from({ length: 16 }, (_, p) => {
        const [y, x] = [Math.floor(p / 4) / 3, (p % 4) / 3];
        return (c[0] * (1 - x) + c[1] * x) * (1 - y) + (c[2] * (1 - x) + c[3] * x) * y;
      });
      const [lo, hi] = [Math.min(...m), Math.max(...m)];
      return m.map((v) => (v - lo) / (hi - lo + 1e-8));
    };
    const masked = [[...a.slice(0, 4)], [0, 0, 0, 0], [...a.slice(4)], [0, 0, 0, 0]].flatMap((c) =>
      maskOf(c).map((m, p) => t.x[p] * m),
    );
    const s = [...(await t.forward.scores(Float32Array.from(masked)))].filter((_, i) => i % 3 === 0);
    const e = s.map((v) => Math.exp(v - Math.max(...s)));
    assertClose(
      w,
      e.map((v) => v / e.reduce((p, q) => p + q, 0)),
      1e-6,
      'softmax over all four channels',
    );
  });

  it('ablationcam: weights = (y − y_without_c) / y, from the tail model re-run on ablated activations', async () => {
    assertClose(weightsOf((await compute(t, 'ablationcam')).out), [0.322222, 0.677778], 1e-6, 'ablationcam weights');
  });

  it('ablationcam runs no tail for a channel that is zero everywhere: its weight is 0', async () => {
    // Channel 1 of Toy2's A set to zero: zeroing it again changes nothing.
    const layer = { ...t.layer, activation: Float32Array.of(...t.layer.activation.slice(0, 4), 0, 0, 0, 0) };
    let rows = 0;
    const base = context(t, 0);
    const tail = (acts: Float32Array, row: number) => ((rows += acts.length / 8), base.tail!(acts, row));
    const w = weightsOf(await methodFor('ablationcam')!.compute({ ...base, layer, tail }));
    assert.equal(rows, 1, 'one ablated copy: channel 0');
    assert.equal(w[1], 0);
    // The reference: channel 0 zeroed leaves the all-zero layer, scored by the tail directly.
    const y = t.scores[0];
    const y0 = (await t.tail.scores(new Float32Array(8), t.x))[0];
    assertClose([w[0]], [(y - y0) / y], 1e-6, 'ablationcam weight of channel 0');
  });

  it('eigencam: projection on the first principal component (sign fixed to agree with the channel sum)', async () => {
    assertClose((await compute(t, 'eigencam')).raw, [6.080084, -5.134668, -5.899603, 4.954187], 2e-6, 'eigencam');
  });

  it('eigengradcam: projection of G ⊙ A, whose channel sum is HiResCAM', async () => {
    // G⊙A per position: channel 0 [11.5, −16.5, 7, 5.25], channel 1 [−5.75, 0, 0, 21]; centred, then projected.
    const ga = [
      [11.5, -5.75],
      [-16.5, 0],
      [7, 0],
      [5.25, 21],
    ];
    const mean = [0, 1].map((k) => ga.reduce((s, r) => s + r[k], 0) / 4);
    const x = ga.map((r) => r.map((v, k) => v - mean[k]));
    // First eigenvector of the 2×2 XᵀX in closed form.
    const [a, b, d] = [
      x.reduce((s, r) => s + r[0] * r[0], 0),
      x.reduce((s, r) => s + r[0] * r[1], 0),
      x.reduce((s, r) => s + r[1] * r[1], 0),
    ];
    const lambda = (a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b);
    const v = [b, lambda - a];
    const norm = Math.hypot(v[0], v[1]);
    let proj = x.map((r) => (r[0] * v[0] + r[1] * v[1]) / norm);
    const hires = [5.75, -16.5, 7, 26.25];
    if (proj.reduce((s, p, i) => s + p * hires[i], 0) < 0) proj = proj.map((p) => -p);
    assertClose((await compute(t, 'eigengradcam')).raw, proj, 2e-6, 'eigengradcam');
  });

  it('eigen-smooth on Grad-CAM projects w_c·A_c instead of summing it', async () => {
    const out = await methodFor('gradcam')!.compute(context(t, 0));
    const smooth = rawMaps(out, t.layer, true, [1, 1, 4, 4]).data;
    const weighted = t.layer.activation.map((v, i) => v * (i < 4 ? 0.625 : 0.375));
    const direct = rawMaps({ kind: 'projection', data: weighted }, t.layer, false, [1, 1, 4, 4]).data;
    assertClose(smooth, direct, 1e-6, 'eigen-smooth');
    assert.ok(Math.abs(smooth[0] - 11.5) > 1, 'the projection differs from the plain Grad-CAM map');
  });

  it('huge logits (classifier ×1e6): no overflow, no NaN, the same normalised maps', async () => {
    const big = await loadToy(toy2(1e6), TOY2_INPUT, 0);
    try {
      for (const m of METHODS.filter((m) => !m.requires.inputGradient)) {
        const small = await compute(t, m.name);
        const large = await compute(big, m.name);
        assert.ok(
          large.raw.every((v) => Number.isFinite(v)),
          `${m.name}: finite`,
        );
        const norm = (v: Float32Array) => {
          const lo = Math.min(...v);
          const hi = Math.max(...v);
          return v.map((x) => (x - lo) / (hi - lo));
        };
        // Score-CAM's softmax is not scale-invariant (its weights saturate to one-hot); the rest are.
        if (m.name !== 'scorecam' && m.name !== 'gradcam++')
          assertClose(norm(large.raw), norm(small.raw), 1e-5, `${m.name} normalised map under ×1e6`);
      }
    } finally {
      await big.explainer.release();
      await big.tail.release();
      await big.forward.release();
    }
  });
});

describe('toy-vectors.md, Toy1 (Captum one-conv model), final maps through the library', () => {
  let ex: ImageExplainer;
  before(async () => (ex = await createImageExplainer(toy1())));
  after(async () => ex?.release());
  const tensor = (v: number[]) => ({ tensor: Float32Array.from(v), dims: [1, 1, 4, 4] });

  it('raw Grad-CAM [[11.25, 13.5], [20.25, 22.5]] → final 4×4 map (ReLU, min-max, half-pixel upsample)', async () => {
    const t = await loadToy(toy1(), TOY1_INPUT, 0);
    try {
      assertClose((await compute(t, 'gradcam')).raw, [11.25, 13.5, 20.25, 22.5], 1e-6, 'raw Grad-CAM');
    } finally {
      await t.explainer.release();
      await t.tail.release();
      await t.forward.release();
    }
    const [r] = await ex.explain([tensor(TOY1_INPUT)], { layers: ['A'], classes: [0], preprocess: 'none' });
    assertClose(
      r.inputMap,
      [0, 0.05, 0.15, 0.2, 0.2, 0.25, 0.35, 0.4, 0.6, 0.65, 0.75, 0.8, 0.8, 0.85, 0.95, 1],
      1e-6,
      'final map',
    );
  });

  it('an input with no gradient signal gives a constant map: zeros, flagged, with a warning, never NaN', async () => {
    for (const method of METHODS.map((m) => m.name)) {
      const [r] = await ex.explain([tensor(new Array(16).fill(0))], {
        layers: ['A'],
        classes: [0],
        preprocess: 'none',
        method,
      });
      assert.ok(r.constant, `${method}: flagged constant`);
      assert.ok(
        r.map.every((v) => v === 0),
        `${method}: all zeros`,
      );
      assert.match(r.warnings.join(' '), /constant/, method);
    }
  });
});

describe('toy-vectors.md, Toy2 final map through the library', () => {
  it('pytorch-grad-cam final 4×4 Grad-CAM rows', async () => {
    const ex = await createImageExplainer(toy2());
    try {
      const [r] = await ex.explain([{ tensor: Float32Array.from(TOY2_INPUT), dims: [1, 1, 4, 4] }], {
        layers: ['A'],
        classes: [0],
        preprocess: 'none',
      });
      assertClose(
        r.inputMap,
        [
          1, 0.962329, 0.886986, 0.849315, 0.75, 0.777397, 0.832192, 0.859589, 0.25, 0.407534, 0.722603, 0.880137, 0, 0.222603,
          0.667808, 0.890411,
        ],
        2e-6,
        'final map',
      );
    } finally {
      await ex.release();
    }
  });
});

describe('guided backpropagation on Toy2: differs from the vanilla gradient exactly where the guided rule applies', () => {
  const W = [
    [1, 0, -1, 1, 1, 0, 0, 1, 1],
    [0, 1, 0, 1, -1, 1, 0, 1, 0],
  ];
  /** d(score)/dx from d(score)/dA through the 3×3 valid convolution (its transpose), by hand. */
  function convTranspose(dA: ArrayLike<number>): number[] {
    const dx = new Array(16).fill(0);
    for (let c = 0; c < 2; c++)
      for (let i = 0; i < 2; i++)
        for (let j = 0; j < 2; j++)
          for (let u = 0; u < 3; u++)
            for (let v = 0; v < 3; v++) dx[(i + u) * 4 + j + v] += dA[c * 4 + i * 2 + j] * W[c][u * 3 + v];
    return dx;
  }

  it('dA: guided = relu(G) where A > 0; the two differ only where G < 0; dx follows by the convolution transpose', async () => {
    const decoded = loadModel(toy2());
    const runtime = nodeRuntime();
    const x = Float32Array.from(TOY2_INPUT);
    const tw = Float32Array.of(1, 0, 0);
    const grads: Record<string, { dA: Float32Array; dx: Float32Array }> = {};
    for (const rules of ['standard', 'guided'] as const) {
      const ex = await ExplainSession.create(runtime, decoded, { targets: ['A', 'x'], inputShape: [1, 1, 4, 4], rules });
      const run = await ex.run(x, tw);
      grads[rules] = { dA: run.layers[0].gradient, dx: run.layers[1].gradient };
      await ex.release();
    }
    const vanilla = grads.standard;
    const guided = grads.guided;
    assertClose(vanilla.dA, [1, -1, 2, 0.5, -0.5, 0, 0, 2], 1e-6, 'vanilla dA');
    assertClose(guided.dA, [1, 0, 2, 0.5, 0, 0, 0, 2], 1e-6, 'guided dA');
    const differ = [...vanilla.dA.keys()].filter((i) => vanilla.dA[i] !== guided.dA[i]);
    assert.deepEqual(
      differ,
      [...vanilla.dA.keys()].filter((i) => vanilla.dA[i] < 0),
    );
    assertClose(vanilla.dx, convTranspose(vanilla.dA), 1e-6, 'vanilla dx');
    assertClose(guided.dx, convTranspose(guided.dA), 1e-6, 'guided dx');
    assert.ok(Math.max(...vanilla.dx.map((v, i) => Math.abs(v - guided.dx[i]))) > 0.5, 'the input gradients differ');
  });

  it('saliency and guidedbackprop maps through the library are max_c |dx| of those gradients, min-max normalised', async () => {
    const ex = await createImageExplainer(toy2());
    try {
      const input = { tensor: Float32Array.from(TOY2_INPUT), dims: [1, 1, 4, 4] };
      const dAv = [1, -1, 2, 0.5, -0.5, 0, 0, 2];
      const dAg = [1, 0, 2, 0.5, 0, 0, 0, 2];
      for (const [method, dA] of [
        ['saliency', dAv],
        ['guidedbackprop', dAg],
      ] as const) {
        const [r] = await ex.explain([input], { method, classes: [0], preprocess: 'none' });
        const abs = convTranspose(dA).map(Math.abs);
        const lo = Math.min(...abs);
        const hi = Math.max(...abs);
        assert.equal(r.layer, 'input');
        assertClose(
          r.inputMap,
          abs.map((v) => (v - lo) / (hi - lo)),
          1e-6,
          method,
        );
      }
    } finally {
      await ex.release();
    }
  });
});
