/** Models whose weights live in external data files (large exports) load, compile and explain from their path. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExplainSession, InvalidModelError } from '../src/index.js';
import { ModelProtoType } from '../src/onnx/schema.js';
import type { ModelProto } from '../src/onnx/types.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { tinyModel } from './helpers/tiny-model.js';

/** x [N,1,3,3] → Conv(w: 2 filters 1×1, weights in weights/w.bin at offset 8) → Relu → GAP → Flatten. */
function writeExternalModel(dir: string, withDataFile = true): string {
  const bytes = tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, 3, 3] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'], name: 'conv' },
      { op: 'Relu', inputs: ['a'], outputs: ['r'], name: 'relu' },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'], name: 'gap' },
      { op: 'Flatten', inputs: ['p'], outputs: ['y'], name: 'flat' },
    ],
    initializers: [{ name: 'w', dims: [2, 1, 1, 1], values: [0, 0] }],
  });
  const model = ModelProtoType.decode(bytes) as unknown as ModelProto;
  const w = model.graph!.initializer![0];
  delete w.raw_data;
  w.data_location = 1;
  w.external_data = [
    { key: 'location', value: 'weights/w.bin' },
    { key: 'offset', value: '8' },
    { key: 'length', value: '8' },
  ];
  const path = join(dir, 'model.onnx');
  writeFileSync(path, ModelProtoType.encode(ModelProtoType.fromObject(model)).finish());
  if (withDataFile) {
    rmSync(join(dir, 'weights'), { recursive: true, force: true });
    mkdirSync(join(dir, 'weights'), { recursive: true });
    const data = new Float32Array([99, 99, 2, -3]); // 8 bytes of padding, then w = [2, -3]
    writeFileSync(join(dir, 'weights', 'w.bin'), new Uint8Array(data.buffer));
  }
  return path;
}

describe('external data', () => {
  it('a model with weights in an external file explains from its path (values check)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gcam-ext-test-'));
    try {
      const decoded = loadModel(writeExternalModel(dir));
      assert.deepEqual(decoded.externalTensors, ['w']);
      const ex = await ExplainSession.create(nodeRuntime(), decoded, { targets: ['a'], inputShape: [1, 1, 3, 3] });
      const x = Float32Array.from([1, -1, 2, 0, 3, -2, 1, 1, -1]);
      const run = await ex.run(x, Float32Array.from([1, 0]));
      // a0 = 2x, a1 = −3x; y0 = mean(relu(2x)) → dy0/da0 = [x > 0]/9, da1 = 0.
      assert.deepEqual(Array.from(run.scores), [(2 * (1 + 2 + 3 + 1 + 1)) / 9, (-3 * (-1 - 2 - 1)) / 9].map(Math.fround));
      assert.deepEqual(
        Array.from(run.layers[0].gradient).map((v) => +v.toFixed(6)),
        [...Array.from(x, (v) => (v > 0 ? +(1 / 9).toFixed(6) : 0)), ...Array(9).fill(0)],
      );
      await ex.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing external data file → InvalidModelError naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gcam-ext-test-'));
    try {
      const path = writeExternalModel(dir, false);
      assert.throws(
        () => loadModel(path),
        (e: unknown) => e instanceof InvalidModelError && e.message.includes('weights/w.bin'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
