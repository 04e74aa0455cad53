/**
 * The tail model (src/autodiff/tail.ts) keeps only what it runs: the user's nodes are dropped but for those its
 * copies read (a residual branch that bypasses the layer), with the initializers and the image input nobody else
 * reads. Checked on the e2e ResNet fixture: fed the layer's own activations, the tail gives the forward run's scores,
 * after a block (no image input, no user node left) and inside one (the skip branch re-emitted from the image).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { compileTailModel } from '../src/autodiff/tail.js';
import { decodeModel } from '../src/onnx/decode.js';
import { GraphView } from '../src/onnx/graph.js';
import { ForwardSession } from '../src/runtime/forward-session.js';
import { TailSession } from '../src/runtime/tail-session.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { assertClose } from './helpers/compare.js';

const MODEL = new URL('./fixtures/e2e/resnet.onnx', import.meta.url);
const SHAPE = [1, 3, 64, 64];

describe('tail model: only the nodes it runs', () => {
  const decoded = loadModel(readFileSync(MODEL));
  const view = new GraphView(decoded.proto);
  const runtime = nodeRuntime();
  const x = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.37));
  const userNodes = new Set(view.nodes.map((n) => n.name));

  const cases = [
    { name: 'after a block', target: '/layer1/layer1.0/relu_1/Relu_output_0', needsImage: false },
    { name: 'inside a block (skip branch)', target: '/layer1/layer1.0/relu/Relu_output_0', needsImage: true },
  ];
  it('says whether the tail convolves (the session then keeps the NCHWc layout transform)', async () => {
    const convolves = async (target: string) =>
      (await compileTailModel(runtime, decoded, { target, inputShape: SHAPE }, view)).convolves;
    assert.equal(await convolves('/layer1/layer1.0/relu_1/Relu_output_0'), true);
    assert.equal(await convolves('/layer2/layer2.1/relu_1/Relu_output_0'), false, 'avgpool + fc only');
  });

  for (const c of cases)
    it(`${c.name}: the forward run's scores from the layer's own values; image input only when read`, async () => {
      const tm = await compileTailModel(runtime, decoded, { target: c.target, inputShape: SHAPE }, view);
      assert.equal(tm.needsImage, c.needsImage);
      assert.equal(tm.takesImage, c.needsImage);
      const graph = decodeModel(tm.bytes, 'the tail model').proto.graph!;
      const inputs = (graph.input ?? []).map((i) => i.name);
      assert.deepEqual(inputs, c.needsImage ? [tm.imageName, tm.activationName] : [tm.activationName]);
      const kept = (graph.node ?? []).filter((n) => userNodes.has(n.name ?? ''));
      if (!c.needsImage) assert.equal(kept.length, 0, 'no user node');
      // Inside layer1.0 the skip branch reads maxpool's output: the stem (conv1, relu, maxpool), nothing after it.
      else
        assert.deepEqual(
          kept.map((n) => n.op_type),
          ['Conv', 'Relu', 'MaxPool'],
        );
      assert.ok(
        (graph.initializer ?? []).length < decoded.proto.graph!.initializer!.length,
        'initializers the kept nodes do not read are dropped',
      );

      const forward = await ForwardSession.create(runtime, decoded, view, { targets: [c.target], inputShape: SHAPE });
      const run = await forward.run(x, { activations: true });
      const tail = await TailSession.create(runtime, decoded, view, { target: c.target, inputShape: SHAPE });
      const a = run.layers[0].activation;
      const twice = new Float32Array(2 * a.length);
      twice.set(a);
      twice.set(a, a.length);
      const scores = await tail.scores(twice, x);
      assertClose(scores.subarray(0, run.numClasses), run.scores, 1e-5, `${c.name}: first copy`);
      assertClose(scores.subarray(run.numClasses), run.scores, 1e-5, `${c.name}: second copy`);
      await Promise.all([forward.release(), tail.release()]);
    });
});
