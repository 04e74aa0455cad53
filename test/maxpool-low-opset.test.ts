/**
 * MaxPool's gradient below opset 16 (src/vjp/max-pool.ts, window-offset construction) end to end: models that cannot
 * be raised to opset 16 (a Dropout with a `ratio` attribute, as in the real SqueezeNet 1.1) are explained at their
 * own opset, and their gradients equal those of the Indices + ScatterElements construction on an opset-16 copy of
 * the same model (the Dropout attribute dropped: at inference Dropout is the identity in every opset). The
 * per-case torch references are in test/fixtures/vjp/maxpool_low_opset.json (tools/vjp_cases/maxpool_low_opset.py).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ExplainSession } from '../src/runtime/explain-session.js';
import { UnsupportedOpError, compileExplainModel, decodeModel } from '../src/index.js';
import { createImageExplainer, loadModel, nodeRuntime, type ImageExplainer } from '../src/node.js';
import { AttrType, ModelProtoType } from '../src/onnx/schema.js';
import type { ModelProto } from '../src/onnx/types.js';
import { assertClose } from './helpers/compare.js';
import { caffeTensor } from './helpers/explain-inputs.js';
import { SQUEEZENET, SQUEEZENET_FP16, needsShared, sharedPath } from './helpers/shared.js';
import { tinyModel } from './helpers/tiny-model.js';

const runtime = nodeRuntime();

/** Deterministic values in [-1, 1) (a small LCG), so the test needs no fixture file. */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

function decodeProto(bytes: Uint8Array): ModelProto {
  return ModelProtoType.decode(bytes) as unknown as ModelProto;
}

function encodeProto(m: ModelProto): Uint8Array {
  return ModelProtoType.encode(ModelProtoType.fromObject(m as never)).finish();
}

/** Gives every Dropout node a float `ratio` attribute (tinyModel writes int attributes only). */
function withDropoutRatio(bytes: Uint8Array): Uint8Array {
  const m = decodeProto(bytes);
  for (const n of m.graph!.node ?? [])
    if (n.op_type === 'Dropout') n.attribute = [...(n.attribute ?? []), { name: 'ratio', type: AttrType.FLOAT, f: 0.5 }];
  return encodeProto(m);
}

/**
 * The same model declared at opset 16 (IR 8), Dropout's `ratio` attribute removed: the only change opsets 7→16 make
 * to these models' nodes (ratio became an input in Dropout-12; without it Dropout is the identity at inference).
 */
function atOpset16(bytes: Uint8Array): Uint8Array {
  const m = decodeProto(bytes);
  m.ir_version = 8;
  for (const o of m.opset_import ?? []) if (!o.domain) o.version = 16;
  for (const n of m.graph!.node ?? [])
    if (n.op_type === 'Dropout') n.attribute = (n.attribute ?? []).filter((a) => a.name !== 'ratio');
  // From IR 4 an initializer listed among the graph inputs is an overridable default (onnxruntime warns and skips
  // constant folding); SqueezeNet lists its weights there, as IR 3 required. Keep them constants.
  const inits = new Set((m.graph!.initializer ?? []).map((t) => t.name));
  m.graph!.input = (m.graph!.input ?? []).filter((i) => !inits.has(i.name));
  return encodeProto(m);
}

function opTypes(bytes: Uint8Array): Set<string> {
  return new Set((decodeProto(bytes).graph!.node ?? []).map((n) => n.op_type ?? ''));
}

/**
 * An opset-`opset` CNN with two MaxPools (3×3/2 pad 1 overlapping; 2×3 stride (1,2), non-square) and a Dropout with
 * a `ratio` attribute, which forbids raising the opset past 11.
 */
function smallCnn(opset: number): Uint8Array {
  return withDropoutRatio(
    tinyModel({
      opset,
      inputs: [{ name: 'x', dims: [2, 3, 13, 13] }],
      outputs: ['y'],
      initializers: [
        { name: 'w1', dims: [4, 3, 3, 3], values: values(108, 1) },
        { name: 'w2', dims: [6, 4, 1, 1], values: values(24, 2) },
      ],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c1'], name: 'conv1', attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c1'], outputs: ['r1'], name: 'relu1' },
        {
          op: 'MaxPool',
          inputs: ['r1'],
          outputs: ['p1'],
          name: 'pool1',
          attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] },
        },
        { op: 'Dropout', inputs: ['p1'], outputs: ['d1'], name: 'drop' },
        { op: 'Conv', inputs: ['d1', 'w2'], outputs: ['c2'], name: 'conv2', attrs: { kernel_shape: [1, 1] } },
        { op: 'Relu', inputs: ['c2'], outputs: ['r2'], name: 'relu2' },
        { op: 'MaxPool', inputs: ['r2'], outputs: ['p2'], name: 'pool2', attrs: { kernel_shape: [2, 3], strides: [1, 2] } },
        { op: 'GlobalAveragePool', inputs: ['p2'], outputs: ['g'], name: 'gap' },
        { op: 'Flatten', inputs: ['g'], outputs: ['y'], name: 'flatten' },
      ],
    }),
  );
}

describe('MaxPool gradient at the model opset (below 16)', () => {
  it('an opset-7 CNN that cannot be raised is explained at opset 7, equal to the ScatterElements path at opset 16', async () => {
    const targets = ['x', 'r1', 'r2'];
    const shape = [2, 3, 13, 13];
    // Half-integer input values: exact ties after the ReLUs (zeros) and plenty of overlapping windows.
    const x = Float32Array.from(values(2 * 3 * 13 * 13, 3), (v) => Math.round(v * 4) / 2);
    const tw = Float32Array.from(values(12, 4));
    const low = await ExplainSession.create(runtime, decodeModel(smallCnn(7)), { targets, inputShape: shape });
    const high = await ExplainSession.create(runtime, decodeModel(atOpset16(smallCnn(7))), { targets, inputShape: shape });
    try {
      assert.equal(low.model.opset, 7, 'no opset raise');
      assert.ok(!opTypes(low.model.bytes).has('ScatterElements'), 'opset 7 has no ScatterElements with reduction');
      assert.equal(high.model.opset, 16);
      assert.ok(opTypes(high.model.bytes).has('ScatterElements'), 'the opset-16 copy uses Indices + ScatterElements');
      const a = await low.run(x, tw);
      const b = await high.run(x, tw);
      assertClose(a.scores, b.scores, 1e-6, 'same forward scores');
      a.layers.forEach((l, i) => {
        assert.ok(
          l.gradient.some((v) => v !== 0),
          `gradient at '${l.tensor}' is not all zero`,
        );
        assertClose(l.gradient, b.layers[i].gradient, 1e-5, `gradient at '${l.tensor}': opset 7 vs opset 16`);
      });
    } finally {
      await low.release();
      await high.release();
    }
  });

  it('below opset 7 the construction is not built: the raise to 16 is still refused where it would change a node', async () => {
    // Opset 6 (onnxruntime runs it, with a warning): a Slice with starts/ends attributes (inputs from Slice-10).
    const bytes = tinyModel({
      opset: 6,
      inputs: [{ name: 'x', dims: [1, 2, 6, 6] }],
      outputs: ['y'],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'relu' },
        { op: 'MaxPool', inputs: ['a'], outputs: ['m'], name: 'pool', attrs: { kernel_shape: [3, 3], strides: [2, 2] } },
        { op: 'Slice', inputs: ['m'], outputs: ['s'], name: 'crop', attrs: { starts: [0], ends: [1], axes: [2] } },
        { op: 'Flatten', inputs: ['s'], outputs: ['y'], name: 'flatten' },
      ],
    });
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(bytes), { targets: ['a'], inputShape: [1, 2, 6, 6] }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedOpError, String(e));
        assert.deepEqual(
          e.ops.map((o) => [o.opType, o.node]),
          [['MaxPool', 'pool']],
        );
        assert.match(e.message, /needs opset 16 but the model is opset 6.*Slice 'crop' \(starts\/ends became inputs/);
        return true;
      },
    );
  });
});

describe('SqueezeNet 1.1 (opset 7, Dropout with ratio) through its three MaxPools', needsShared(SQUEEZENET), () => {
  const targets = ['data_0', 'conv1_2', 'fire2/concat_1'];
  const shape = [1, 3, 224, 224];
  let low: ExplainSession;
  let high: ExplainSession;
  let x: Float32Array;
  const tw = new Float32Array(1000);
  before(async () => {
    const path = sharedPath(SQUEEZENET)!;
    const chelsea = sharedPath('images/chelsea.png');
    // Caffe input (BGR 0–255): the photo when present, else an image-like pattern.
    x = chelsea
      ? await caffeTensor(chelsea)
      : Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => 127.5 + 127.5 * Math.sin(i / 97) * Math.cos(i / 301));
    low = await ExplainSession.create(runtime, loadModel(path), { targets, inputShape: shape });
    high = await ExplainSession.create(runtime, decodeModel(atOpset16(new Uint8Array(readFileSync(path)))), {
      targets,
      inputShape: shape,
    });
  });
  after(async () => {
    await low?.release();
    await high?.release();
  });

  it('explains the input and early layers at opset 7, equal to the opset-16 copy (Indices + ScatterElements)', async () => {
    assert.equal(low.model.opset, 7);
    assert.equal(high.model.opset, 16);
    const probe = await low.run(x, new Float32Array(tw.length));
    const top = probe.scores.indexOf(Math.max(...probe.scores));
    tw.fill(0);
    tw[top] = 1;
    const a = await low.run(x, tw);
    const b = await high.run(x, tw);
    // conv1_2 feeds pool1 directly: its gradient is non-zero exactly at the elements chosen as window maxima (ties
    // to the first), so both constructions must pick the same elements.
    let differ = 0;
    a.layers[1].gradient.forEach((v, i) => {
      if ((v !== 0) !== (b.layers[1].gradient[i] !== 0)) differ++;
    });
    assert.equal(differ, 0, 'positions with a non-zero gradient at conv1_2 differ');
    a.layers.forEach((l, i) => {
      assert.ok(
        l.gradient.some((v) => v !== 0),
        `'${l.tensor}': not all zero`,
      );
      // Relative to the largest gradient: the two constructions differ only in float32 summation order.
      const scale = b.layers[i].gradient.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const norm = (g: Float32Array) => g.map((v) => v / scale);
      assertClose(norm(l.gradient), norm(b.layers[i].gradient), 1e-5, `'${l.tensor}': opset 7 vs opset 16`);
    });
  });

  it('input gradient matches central finite differences of the logit on its largest pixels', async () => {
    const probe = await low.run(x, new Float32Array(tw.length));
    const top = probe.scores.indexOf(Math.max(...probe.scores));
    tw.fill(0);
    tw[top] = 1;
    const g = (await low.run(x, tw)).layers[0].gradient;
    const largest = Array.from(g.keys())
      .sort((p, q) => Math.abs(g[q]) - Math.abs(g[p]))
      .slice(0, 6);
    // Step 0.1 in 0–255 Caffe units: large enough that float32 rounding of a logit near 30 (ulp ~4e-6) stays below 1e-4
    // of the quotient, small enough that ReLU/max switches rarely fall inside it (measured within 1.5 % on chelsea).
    // Gradient routed to the wrong window element is off by about 100 %.
    const h = 0.1;
    for (const p of largest) {
      const plus = x.slice();
      plus[p] += h;
      const minus = x.slice();
      minus[p] -= h;
      const fd = ((await low.run(plus, tw)).scores[top] - (await low.run(minus, tw)).scores[top]) / (2 * h);
      assert.ok(Math.abs(fd - g[p]) <= 0.05 * Math.abs(g[p]), `pixel ${p}: gradient ${g[p]}, finite difference ${fd}`);
    }
  });

  it(
    'the float16 model takes the same path: its input gradient follows the float32 one',
    needsShared(SQUEEZENET_FP16),
    async () => {
      const half = await ExplainSession.create(runtime, loadModel(sharedPath(SQUEEZENET_FP16)!), { targets, inputShape: shape });
      try {
        assert.equal(half.model.opset, 7);
        const probe = await low.run(x, new Float32Array(tw.length));
        const top = probe.scores.indexOf(Math.max(...probe.scores));
        tw.fill(0);
        tw[top] = 1;
        const a = (await low.run(x, tw)).layers[0].gradient;
        const b = (await half.run(x, tw)).layers[0].gradient;
        let dot = 0;
        let na = 0;
        let nb = 0;
        a.forEach((v, i) => {
          dot += v * b[i];
          na += v * v;
          nb += b[i] * b[i];
        });
        // float16 activations flip a few near-tied maxima and ReLUs; measured cosine 0.9993 on chelsea.
        assert.ok(dot / Math.sqrt(na * nb) > 0.99, `cosine ${dot / Math.sqrt(na * nb)}`);
      } finally {
        await half.release();
      }
    },
  );
});

describe(
  'SqueezeNet 1.1 saliency and early-layer Grad-CAM on chelsea.png',
  {
    ...needsShared(SQUEEZENET),
    ...needsShared('images/chelsea.png'),
  },
  () => {
    let ex: ImageExplainer;
    before(async () => {
      ex = await createImageExplainer(sharedPath(SQUEEZENET)!);
    });
    after(async () => ex?.release());

    // [method, layer, whether the map's mass must favour the cat's face]; Grad-CAM right after conv1 is edge-like.
    for (const [method, layer, onFace] of [
      ['saliency', undefined, true],
      ['gradcam', 'fire2/concat_1', true],
      ['gradcam', 'conv1_2', false],
    ] as const) {
      it(`${method}${layer ? ` at '${layer}'` : ''}: explained (no opset refusal), a finite non-constant map`, async () => {
        const [r] = await ex.explain([sharedPath('images/chelsea.png')!], {
          preprocess: 'caffe',
          method,
          ...(layer ? { layers: [layer] } : {}),
        });
        assert.equal(r.classIndex, 285);
        assert.equal(r.constant, false);
        assert.ok(r.map.every(Number.isFinite));
        if (!onFace) return;
        // The face fills x ∈ [30, 375) of the 451×300 photo (see explain-api.test.ts): more than its share of the map.
        let face = 0;
        let total = 0;
        r.map.forEach((v, i) => {
          total += v;
          const col = i % r.width;
          if (col >= 30 && col < 375) face += v;
        });
        assert.ok(face / total > (375 - 30) / 451, `the face holds ${face / total} of the map`);
      });
    }
  },
);
