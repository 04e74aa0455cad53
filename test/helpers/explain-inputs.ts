/**
 * Inputs for the explain API and CLI tests: the torch end-to-end fixtures, small gray ONNX models, a copy of a model
 * with free height/width, and a Caffe-style tensor of a photo computed here (not with gcam's preprocessing).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { ModelProtoType } from '../../src/onnx/schema.js';
import { tinyModel } from './tiny-model.js';

export interface E2eLayer {
  id: string;
  module: string;
  tensor: string;
  dims: number[];
  finalCam: number[];
}

export interface E2eFixture {
  model: string;
  /** Absolute path of the fixture's ONNX model. */
  onnxPath: string;
  inputShape: number[];
  input: number[];
  targets: number[];
  numClasses: number;
  logits: number[];
  layers: E2eLayer[];
}

const E2E = new URL('../fixtures/e2e/', import.meta.url);

export function loadE2eFixtures(): E2eFixture[] {
  return readdirSync(E2E)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.methods.json'))
    .sort()
    .map((f) => {
      const fx = JSON.parse(readFileSync(new URL(f, E2E), 'utf8')) as E2eFixture & { onnx: string };
      return { ...fx, onnxPath: fileURLToPath(new URL(fx.onnx, E2E)) };
    });
}

/** Image n of a fixture's input batch as a [C, H, W] tensor. */
export function fixtureImage(fx: E2eFixture, n: number): Float32Array {
  const per = fx.inputShape.slice(1).reduce((a, b) => a * b, 1);
  return Float32Array.from(fx.input.slice(n * per, (n + 1) * per));
}

/** Map n (H·W values) of a layer's final reference maps [N, H, W]. */
export function fixtureFinalMap(fx: E2eFixture, layer: E2eLayer, n: number): number[] {
  const per = fx.inputShape[2] * fx.inputShape[3];
  return layer.finalCam.slice(n * per, (n + 1) * per);
}

/**
 * A 4-class gray model: x [N, 1, 8, 8] → Conv (4 filters 3×3, pad 1) 'feat' → `activation` 'act' →
 * GlobalAveragePool → Flatten → 'logits' [N, 4].
 */
export function grayModel(activation = 'Relu'): Uint8Array {
  const w = Array.from({ length: 4 * 9 }, (_, i) => Math.sin(i * 1.7) * 0.5);
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, 8, 8] }],
    outputs: ['logits'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['feat'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: activation, inputs: ['feat'], outputs: ['act'] },
      { op: 'GlobalAveragePool', inputs: ['act'], outputs: ['pool'] },
      { op: 'Flatten', inputs: ['pool'], outputs: ['logits'] },
    ],
    initializers: [
      { name: 'w', dims: [4, 1, 3, 3], values: w },
      { name: 'b', dims: [4], values: [0.1, -0.2, 0.05, 0] },
    ],
  });
}

/** The model with its first input's height and width made free ('height', 'width'); value_info dropped. */
export function withFreeSpatialDims(bytes: Uint8Array): Uint8Array {
  const model = ModelProtoType.toObject(ModelProtoType.decode(bytes), { longs: Number, bytes: Uint8Array }) as {
    graph: { input: { type: { tensor_type: { shape: { dim: Record<string, unknown>[] } } } }[]; value_info?: unknown[] };
  };
  const dims = model.graph.input[0].type.tensor_type.shape.dim;
  dims[2] = { dim_param: 'height' };
  dims[3] = { dim_param: 'width' };
  model.graph.value_info = [];
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/**
 * The Caffe-style input of a shared photo, from PIL rather than gcam's preprocessing: PIL's resize((size, size),
 * BILINEAR) of it as tools/gen_preprocess_fixtures.py stored it (test/fixtures/preprocess/<stem>.caffe.webp, lossless),
 * then B, G, R planes of 0–255 values, no mean or scaling.
 */
export async function caffeTensor(photo: string): Promise<Float32Array> {
  const stem = basename(photo).replace(/\.[^.]+$/, '');
  const fixture = fileURLToPath(new URL(`../fixtures/preprocess/${stem}.caffe.webp`, import.meta.url));
  const { data, info } = await sharp(fixture).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const size = info.width;
  if (info.channels !== 3 || info.height !== size) throw new Error(`${fixture}: expected a square RGB image`);
  const out = new Float32Array(3 * size * size);
  for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) out[c * size * size + p] = data[p * 3 + (2 - c)];
  return out;
}

/** One-hot target weights [N, k]: row n selects class targets[n]. */
export function oneHot(targets: readonly number[], k: number): Float32Array {
  const w = new Float32Array(targets.length * k);
  targets.forEach((c, n) => (w[n * k + c] = 1));
  return w;
}
