/**
 * The real ImageNet SqueezeNet 1.1 from ../shared (opset 7, fixed batch 1, float32 and float16): the explain model
 * runs, explanations never change predictions, and its gradients at the class-map layer are the hand-derivable ones.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExplainSession } from '../src/runtime/explain-session.js';
import { toF32 } from '../src/runtime/tensors.js';
import { GraphView } from '../src/onnx/graph.js';
import { float32ArrayToFloat16 } from '../src/onnx/tensor.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { SQUEEZENET, SQUEEZENET_FP16, needsShared, sharedPath } from './helpers/shared.js';
import { assertClose } from './helpers/compare.js';

const runtime = nodeRuntime();

/** A deterministic, image-like BGR 0–255 input. */
function pattern(): Float32Array {
  const x = new Float32Array(3 * 224 * 224);
  for (let c = 0; c < 3; c++)
    for (let i = 0; i < 224; i++)
      for (let j = 0; j < 224; j++)
        x[(c * 224 + i) * 224 + j] = 127.5 + 127.5 * Math.sin(i / (9 + c * 4)) * Math.cos(j / (13 - c * 3));
  return x;
}

async function plainOutput(path: string, x: Float32Array, fp16: boolean): Promise<Float32Array> {
  const session = await runtime.createSession(loadModel(path).bytes);
  try {
    const input = fp16
      ? { type: 'float16' as const, dims: [1, 3, 224, 224], data: float32ArrayToFloat16(x) }
      : { type: 'float32' as const, dims: [1, 3, 224, 224], data: x };
    const out = await session.run({ data_0: input });
    return toF32(out.softmaxout_1);
  } finally {
    await session.release();
  }
}

function softmax(v: Float32Array): Float64Array {
  const m = Math.max(...v);
  const e = Float64Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

for (const [label, rel, fp16, tol] of [
  ['float32', SQUEEZENET, false, 1e-5],
  ['float16', SQUEEZENET_FP16, true, 2e-3],
] as const) {
  describe(`SqueezeNet 1.1 ${label} (opset 7)`, () => {
    it(
      'explain model scores are the logits under the softmax, which equals the plain model output',
      { ...needsShared(rel) },
      async () => {
        const path = sharedPath(rel)!;
        const x = pattern();
        const plain = await plainOutput(path, x, fp16);
        const explainer = await ExplainSession.create(runtime, loadModel(path), {
          targets: ['fire9/concat_1', 'conv10_2'],
          inputShape: [1, 3, 224, 224],
        });
        try {
          assert.equal(explainer.model.opset, 7, 'no opset raise needed after the last MaxPool');
          const tw = new Float32Array(1000);
          const top = plain.indexOf(Math.max(...plain));
          tw[top] = 1;
          const run = await explainer.run(x, tw);
          assert.equal(run.scores.length, 1000);
          assertClose(softmax(run.scores), plain, tol, 'softmax(scores) vs plain output');
          assert.equal(run.scores.indexOf(Math.max(...run.scores)), top, 'same predicted class');
          // conv10_2 → GlobalAveragePool → logits: d logit_k / dA = 1/169 on channel k, 0 elsewhere (13×13 map).
          const g = run.layers[1];
          assert.deepEqual(g.dims, [1, 1000, 13, 13]);
          const expected = new Float32Array(g.gradient.length);
          expected.fill(1, top * 169, (top + 1) * 169);
          // Compared as 169·dA so the tolerance is relative to values of order 1, also in float16.
          const times169 = (a: Float32Array) => a.map((v) => v * 169);
          assertClose(times169(g.gradient), expected, fp16 ? 2e-3 : 1e-6, '169 · dA at conv10_2');
          const f = run.layers[0];
          assert.deepEqual(f.dims, [1, 512, 13, 13]);
          assert.ok(
            f.gradient.some((v) => v !== 0) && f.gradient.every(Number.isFinite),
            'fire9 gradient is finite and not all zero',
          );
          // fire9 → Dropout (identity) → conv10 (1×1) → ReLU → GAP: 169·dA[c,p] = W10[top,c]·[conv10_2[top,p] > 0].
          const w10 = new GraphView(loadModel(path).proto).constant('conv10_w_0')!;
          const relu10 = g.activation.subarray(top * 169, (top + 1) * 169);
          assert.ok(
            relu10.some((v) => v > 0),
            'the class map is not all zero',
          );
          const fire9Expected = new Float32Array(512 * 169);
          for (let c = 0; c < 512; c++)
            for (let p = 0; p < 169; p++) fire9Expected[c * 169 + p] = relu10[p] > 0 ? w10.values[top * 512 + c] : 0;
          assertClose(times169(f.gradient), fire9Expected, fp16 ? 2e-3 : 1e-5, '169 · dA at fire9/concat_1');
        } finally {
          await explainer.release();
        }
      },
    );
  });
}
