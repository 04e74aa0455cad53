/**
 * The built-in shapes model (models/shapes, trained by tools/train_shapes.py): its graph is what gcam and the docs
 * promise, and on 500 held-out scenes drawn here in TypeScript (seeds from the test range, never used in training)
 * it reaches mAP ≥ 0.98.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { GraphView } from '../src/onnx/graph.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import type { DecodedModel } from '../src/onnx/decode.js';
import { toF32 } from '../src/runtime/tensors.js';
import { generateScene, multiHot, SHAPE_LABELS } from '../src/scenes/scene.js';
import { renderScene } from '../src/scenes/render-node.js';
import { meanAveragePrecision } from '../src/scenes/average-precision.js';

const MODEL = fileURLToPath(new URL('../models/shapes/shapes.onnx', import.meta.url));
const META = fileURLToPath(new URL('../models/shapes/shapes.json', import.meta.url));

interface ShapesMeta {
  labels: string[];
  input: { name: string; size: number; channelOrder: string; range: number; mean: number[]; std: number[] };
  outputName: string;
  generator: { seeds: { train: [number, number]; val: [number, number]; test: [number, number] } };
}

const meta = JSON.parse(readFileSync(META, 'utf8')) as ShapesMeta;
const TEST_SCENES = 500;

/** RGB uint8 HWC → (x / 255 − mean) / std, NCHW, as shapes.json states. */
function toInput(pixels: Uint8Array, size: number, out: Float32Array, offset: number): void {
  const { mean, std, range } = meta.input;
  const plane = size * size;
  for (let i = 0; i < plane; i++)
    for (let c = 0; c < 3; c++) out[offset + c * plane + i] = ((pixels[i * 3 + c] / 255) * range - mean[c]) / std[c];
}

describe('built-in shapes model', () => {
  let model: DecodedModel;
  before(() => {
    model = loadModel(MODEL);
  });

  it('has the documented metadata, graph and size', () => {
    assert.deepEqual(meta.labels, [...SHAPE_LABELS]);
    assert.equal(meta.input.channelOrder, 'rgb');
    assert.ok(statSync(MODEL).size <= 2 * 1024 * 1024, 'model larger than 2 MB');
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
  });

  it('seed ranges for training, validation and test are disjoint', () => {
    const { train, val, test } = meta.generator.seeds;
    const ranges = [train, val, test].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] > ranges[i - 1][1], JSON.stringify(meta.generator.seeds));
    assert.ok(test[1] - test[0] + 1 >= TEST_SCENES);
  });

  it(`reaches mAP ≥ 0.98 on ${TEST_SCENES} held-out scenes`, async () => {
    const size = meta.input.size;
    const seed0 = meta.generator.seeds.test[0];
    const classes = SHAPE_LABELS.length;
    const scores = new Float32Array(TEST_SCENES * classes);
    const targets = new Float32Array(TEST_SCENES * classes);
    const session = await nodeRuntime().createSession(model.bytes);
    try {
      const batch = 100;
      for (let start = 0; start < TEST_SCENES; start += batch) {
        const scenes = Array.from({ length: batch }, (_, i) => generateScene(seed0 + start + i, { size }));
        const images = await Promise.all(scenes.map((s) => renderScene(s)));
        const x = new Float32Array(batch * 3 * size * size);
        images.forEach((img, i) => toInput(img.data, size, x, i * 3 * size * size));
        const out = await session.run({ [meta.input.name]: { type: 'float32', dims: [batch, 3, size, size], data: x } });
        const p = toF32(out[meta.outputName]);
        assert.equal(p.length, batch * classes);
        scores.set(p, start * classes);
        scenes.forEach((s, i) => targets.set(multiHot(s), (start + i) * classes));
      }
    } finally {
      await session.release();
    }
    for (const p of scores) assert.ok(p >= 0 && p <= 1, `probability ${p}`);
    const { perClass, mean } = meanAveragePrecision(scores, targets, classes);
    const table = SHAPE_LABELS.map((l, k) => `${l} ${perClass[k].toFixed(4)}`).join(', ');
    assert.ok(mean >= 0.98, `mAP ${mean.toFixed(4)} (${table})`);
    for (const [k, ap] of perClass.entries()) assert.ok(ap >= 0.95, `${SHAPE_LABELS[k]} AP ${ap} (${table})`);
    // Decisions at 0.5 are right for nearly every (scene, class) pair: the scores are calibrated, not just ranked.
    let wrong = 0;
    for (let i = 0; i < scores.length; i++) wrong += (scores[i] >= 0.5 ? 1 : 0) !== targets[i] ? 1 : 0;
    assert.ok(wrong / scores.length < 0.03, `${wrong} of ${scores.length} decisions at 0.5 are wrong`);
  });
});
