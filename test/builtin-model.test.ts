/**
 * The built-in shapes model (models/shapes, trained by tools/train_shapes.py): its graph is what gcam and the docs
 * promise, and on 500 held-out scenes drawn here in TypeScript (seeds from the test range, never used in training)
 * it reaches mAP ≥ 0.98.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { loadModel } from '../src/node.js';
import type { DecodedModel } from '../src/onnx/decode.js';
import { generateScene, multiHot, SHAPE_LABELS } from '../src/scenes/scene.js';
import { renderScene } from '../src/scenes/render-node.js';
import { meanAveragePrecision } from '../src/scenes/average-precision.js';
import { assertBuiltinGraph, assertDisjointSeeds, heldOutScores, type BuiltinMeta } from './helpers/builtin-models.js';

const MODEL = fileURLToPath(new URL('../models/shapes/shapes.onnx', import.meta.url));
const META = fileURLToPath(new URL('../models/shapes/shapes.json', import.meta.url));

interface ShapesMeta extends BuiltinMeta {
  labels: string[];
  input: { name: string; size: number; channelOrder: string; range: number; mean: number[]; std: number[] };
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
    assertBuiltinGraph(model, meta);
  });

  it('seed ranges for training, validation and test are disjoint', () => assertDisjointSeeds(meta, TEST_SCENES));

  it(`reaches mAP ≥ 0.98 on ${TEST_SCENES} held-out scenes`, async () => {
    const size = meta.input.size;
    const classes = SHAPE_LABELS.length;
    const { scores, targets } = await heldOutScores(model, meta, TEST_SCENES, classes, async (seeds) => {
      const scenes = seeds.map((seed) => generateScene(seed, { size }));
      const images = await Promise.all(scenes.map((s) => renderScene(s)));
      const x = new Float32Array(seeds.length * 3 * size * size);
      images.forEach((img, i) => toInput(img.data, size, x, i * 3 * size * size));
      return { data: x, dims: [seeds.length, 3, size, size], targets: scenes.map((s) => multiHot(s)) };
    });
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
