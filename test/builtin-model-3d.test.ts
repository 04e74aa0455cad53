/**
 * The built-in 3-D shapes model (models/shapes3d, trained by tools/train_shapes3d.py): its graph is what gcam and
 * the docs promise, and on 500 held-out volumes drawn here in TypeScript (seeds from the test range, never used in
 * training) it reaches the accuracy its metadata records.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { createImageExplainer, loadModel } from '../src/node.js';
import type { DecodedModel } from '../src/onnx/decode.js';
import { generateVolumeScene, SOLID_LABELS, volumeMultiHot } from '../src/scenes/volume-scene.js';
import { meanAveragePrecision } from '../src/scenes/average-precision.js';
import { builtinVolumeModel } from '../src/builtin.js';
import { defaultLayer } from '../src/layers.js';
import { assertBuiltinGraph, assertDisjointSeeds, heldOutScores, type BuiltinMeta } from './helpers/builtin-models.js';

const MODEL = fileURLToPath(new URL('../models/shapes3d/shapes3d.onnx', import.meta.url));
const META = fileURLToPath(new URL('../models/shapes3d/shapes3d.json', import.meta.url));

interface Shapes3dMeta extends BuiltinMeta {
  labels: string[];
  input: { name: string; size: number[]; intensity: string };
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
    assertBuiltinGraph(model, meta);
    const input = model.proto.graph!.input![0];
    const dims = input.type!.tensor_type!.shape!.dim!.map((d) => (d.dim_param ? d.dim_param : Number(d.dim_value)));
    assert.deepEqual(dims.slice(1), [1, 32, 32, 32]);
    assert.equal(typeof dims[0], 'string', 'dynamic batch');
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

  it('seed ranges for training, validation and test are disjoint', () => assertDisjointSeeds(meta, TEST_VOLUMES));

  it(`on ${TEST_VOLUMES} held-out volumes: mAP ≥ 0.95 and ≥ 95% right decisions at 0.5, as the metadata says`, async () => {
    const classes = SOLID_LABELS.length;
    const { scores, targets } = await heldOutScores(model, meta, TEST_VOLUMES, classes, (seeds) => {
      const scenes = seeds.map((seed) => generateVolumeScene(seed));
      const x = new Float32Array(seeds.length * 32 ** 3);
      // The model takes the stored 8-bit levels as they are (intensity 'none').
      scenes.forEach((s, i) => x.set(s.data, i * 32 ** 3));
      return { data: x, dims: [seeds.length, 1, 32, 32, 32], targets: scenes.map((s) => volumeMultiHot(s)) };
    });
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
