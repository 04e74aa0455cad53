/**
 * The built-in 3-D shapes model (models/shapes3d, trained by tools/train_shapes3d.py): its graph is what gcam and
 * the docs promise, and on 500 held-out volumes drawn here in TypeScript (seeds from the test range, never used in
 * training) it reaches the accuracy its metadata records.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { GraphView } from '../src/onnx/graph.js';
import { createImageExplainer, loadModel, nodeRuntime } from '../src/node.js';
import type { DecodedModel } from '../src/onnx/decode.js';
import { toF32 } from '../src/runtime/tensors.js';
import { generateVolumeScene, SOLID_LABELS, volumeMultiHot } from '../src/scenes/volume-scene.js';
import { meanAveragePrecision } from '../src/scenes/average-precision.js';
import { builtinVolumeModel } from '../src/builtin.js';
import { defaultLayer } from '../src/layers.js';

const MODEL = fileURLToPath(new URL('../models/shapes3d/shapes3d.onnx', import.meta.url));
const META = fileURLToPath(new URL('../models/shapes3d/shapes3d.json', import.meta.url));

interface Shapes3dMeta {
  labels: string[];
  input: { name: string; size: number[]; intensity: string };
  outputName: string;
  generator: { seeds: { train: [number, number]; val: [number, number]; test: [number, number] } };
  architecture: { featureMap: number[] };
  training: { testMAP: number; testDecisions: number };
}

const meta = JSON.parse(readFileSync(META, 'utf8')) as Shapes3dMeta;
const TEST_VOLUMES = 500;

describe('built-in 3-D shapes model', () => {
  let model: DecodedModel;
  before(() => {
    model = loadModel(MODEL);
  });

  it('has the documented metadata, graph and size', () => {
    assert.deepEqual(meta.labels, [...SOLID_LABELS]);
    assert.deepEqual(meta.input.size, [32, 32, 32]);
    assert.equal(meta.input.intensity, 'none');
    assert.ok(statSync(MODEL).size <= 2 * 1024 * 1024, 'model larger than 2 MB');
    const view = new GraphView(model.proto);
    const graph = model.proto.graph!;
    assert.deepEqual(
      graph.input!.map((i) => i.name),
      [meta.input.name],
    );
    const dims = graph.input![0].type!.tensor_type!.shape!.dim!.map((d) => (d.dim_param ? d.dim_param : Number(d.dim_value)));
    assert.deepEqual(dims.slice(1), [1, 32, 32, 32]);
    assert.equal(typeof dims[0], 'string', 'dynamic batch');
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

  it("gcam's default layer is the 8³ blur before the pooling, and builtinVolumeModel() reads the files", async () => {
    const b = builtinVolumeModel();
    assert.deepEqual(b.labels, [...SOLID_LABELS]);
    assert.equal(b.intensity, 'none');
    const ex = await createImageExplainer(b.path);
    try {
      assert.deepEqual(ex.inputShape.slice(1), [1, 32, 32, 32]);
      const layer = defaultLayer(ex.layers);
      assert.equal(layer.opType, 'Conv', 'the fixed blur is a depthwise Conv');
      assert.deepEqual(layer.dims.slice(2), meta.architecture.featureMap);
      assert.deepEqual(meta.architecture.featureMap, [8, 8, 8]);
    } finally {
      await ex.release();
    }
  });

  it('seed ranges for training, validation and test are disjoint', () => {
    const { train, val, test } = meta.generator.seeds;
    const ranges = [train, val, test].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i][0] > ranges[i - 1][1], JSON.stringify(meta.generator.seeds));
    assert.ok(test[1] - test[0] + 1 >= TEST_VOLUMES);
  });

  it(`on ${TEST_VOLUMES} held-out volumes: mAP ≥ 0.95 and ≥ 95% right decisions at 0.5, as the metadata says`, async () => {
    const seed0 = meta.generator.seeds.test[0];
    const classes = SOLID_LABELS.length;
    const scores = new Float32Array(TEST_VOLUMES * classes);
    const targets = new Float32Array(TEST_VOLUMES * classes);
    const session = await nodeRuntime().createSession(model.bytes);
    try {
      const batch = 100;
      for (let start = 0; start < TEST_VOLUMES; start += batch) {
        const scenes = Array.from({ length: batch }, (_, i) => generateVolumeScene(seed0 + start + i));
        const x = new Float32Array(batch * 32 ** 3);
        // The model takes the stored 8-bit levels as they are (intensity 'none').
        scenes.forEach((s, i) => x.set(s.data, i * 32 ** 3));
        const out = await session.run({ [meta.input.name]: { type: 'float32', dims: [batch, 1, 32, 32, 32], data: x } });
        const p = toF32(out[meta.outputName]);
        assert.equal(p.length, batch * classes);
        scores.set(p, start * classes);
        scenes.forEach((s, i) => targets.set(volumeMultiHot(s), (start + i) * classes));
      }
    } finally {
      await session.release();
    }
    for (const p of scores) assert.ok(p >= 0 && p <= 1, `probability ${p}`);
    const { perClass, mean } = meanAveragePrecision(scores, targets, classes);
    const table = SOLID_LABELS.map((l, k) => `${l} ${perClass[k].toFixed(4)}`).join(', ');
    let right = 0;
    for (let i = 0; i < scores.length; i++) right += (scores[i] >= 0.5 ? 1 : 0) === targets[i] ? 1 : 0;
    const decisions = right / scores.length;
    assert.ok(mean >= 0.95, `mAP ${mean.toFixed(4)} (${table})`);
    assert.ok(decisions >= 0.95, `${(100 * decisions).toFixed(1)}% right decisions at 0.5`);
    // The first 500 of the 1 000 volumes tools/train_shapes3d.py measured in PyTorch: close to its numbers.
    assert.ok(Math.abs(mean - meta.training.testMAP) < 0.02, `mAP ${mean} here, ${meta.training.testMAP} in training`);
    assert.ok(Math.abs(decisions - meta.training.testDecisions) < 0.02, `${decisions} here, ${meta.training.testDecisions}`);
  });
});
