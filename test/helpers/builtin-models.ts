/**
 * What the tests of the two built-in models (models/shapes, models/shapes3d) check alike: the exported graph's
 * promises, the disjoint seed ranges of their metadata, and the scoring of held-out scenes drawn here in TypeScript.
 */
import assert from 'node:assert/strict';
import { nodeRuntime } from '../../src/node.js';
import type { DecodedModel } from '../../src/onnx/decode.js';
import { GraphView } from '../../src/onnx/graph.js';
import { toF32 } from '../../src/runtime/tensors.js';

/** The fields of shapes.json and shapes3d.json these checks read. */
export interface BuiltinMeta {
  input: { name: string };
  outputName: string;
  generator: { seeds: { train: [number, number]; val: [number, number]; test: [number, number] } };
}

/**
 * One input and one output with the metadata's names, the output a Sigmoid, BatchNorm folded, no MaxPool (its
 * gradient rule needs opset 16), global average pooling, opset 13.
 */
export function assertBuiltinGraph(model: DecodedModel, meta: BuiltinMeta): void {
  const view = new GraphView(model.proto);
  const graph = model.proto.graph!;
  assert.deepEqual(
    graph.input!.map((i) => i.name),
    [meta.input.name],
  );
  assert.deepEqual(
    graph.output!.map((o) => o.name),
    [meta.outputName],
  );
  const last = graph.node!.find((n) => n.output!.includes(meta.outputName))!;
  assert.equal(last.op_type, 'Sigmoid');
  const ops = new Set(graph.node!.map((n) => n.op_type));
  assert.ok(!ops.has('MaxPool') && !ops.has('BatchNormalization'), [...ops].join());
  assert.ok(ops.has('GlobalAveragePool'), [...ops].join());
  assert.equal(view.opset, 13);
}

/** Training, validation and test seeds do not overlap, and the test range holds at least `tested` seeds. */
export function assertDisjointSeeds(meta: BuiltinMeta, tested: number): void {
  const { train, val, test } = meta.generator.seeds;
  const ranges = [train, val, test].sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] > ranges[i - 1][1], JSON.stringify(meta.generator.seeds));
  assert.ok(test[1] - test[0] + 1 >= tested);
}

/** One batch of held-out inputs: the model's input tensor and each item's multi-hot targets. */
export interface HeldOutBatch {
  data: Float32Array;
  dims: number[];
  targets: ArrayLike<number>[];
}

/**
 * The model's probabilities on `count` held-out items from the first test seed on, 100 at a time (`draw(seeds)`
 * makes a batch), with their targets: [count × classes] each; every probability checked to lie in [0, 1].
 */
export async function heldOutScores(
  model: DecodedModel,
  meta: BuiltinMeta,
  count: number,
  classes: number,
  draw: (seeds: number[]) => HeldOutBatch | Promise<HeldOutBatch>,
): Promise<{ scores: Float32Array; targets: Float32Array }> {
  const seed0 = meta.generator.seeds.test[0];
  const scores = new Float32Array(count * classes);
  const targets = new Float32Array(count * classes);
  const session = await nodeRuntime().createSession(model.bytes);
  try {
    const batch = 100;
    for (let start = 0; start < count; start += batch) {
      const b = await draw(Array.from({ length: batch }, (_, i) => seed0 + start + i));
      const out = await session.run({ [meta.input.name]: { type: 'float32', dims: b.dims, data: b.data } });
      const p = toF32(out[meta.outputName]);
      assert.equal(p.length, batch * classes);
      scores.set(p, start * classes);
      b.targets.forEach((t, i) => targets.set(t, (start + i) * classes));
    }
  } finally {
    await session.release();
  }
  for (const p of scores) assert.ok(p >= 0 && p <= 1, `probability ${p}`);
  return { scores, targets };
}
