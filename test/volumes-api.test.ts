/**
 * Volume models through the library's checks (a tiny 3-D classifier with free depth, height and width, built here):
 * the input size from `size` (one side, [D, H, W]; 96 per free axis by default), and the inputs and options that do
 * not fit a volume model refused with typed errors before anything runs; a volume on another grid gives maps on that
 * grid. The maps' values are checked against torch in test/zoo/volumes.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidInputError, InvalidOptionError, createImageExplainer } from '../src/node.js';
import { evaluate } from '../src/metrics/evaluate.js';
import { exportExplainModel } from '../src/export/export.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { tinyVolumeModel } from './helpers/tiny-model.js';

// Free depth, height and width.
const model = tinyVolumeModel(['D', 'H', 'W']);

describe('volume models in the API', () => {
  it('size: [D, H, W], one side, 96 per free axis by default; other arities are InvalidOptionErrors', async () => {
    const shaped = await createImageExplainer(model, { size: [6, 8, 10] });
    assert.deepEqual(shaped.inputShape, [1, 1, 6, 8, 10]);
    await shaped.release();
    const side = await createImageExplainer(model, { size: 12 });
    assert.deepEqual(side.inputShape, [1, 1, 12, 12, 12]);
    await side.release();
    const free = await createImageExplainer(model);
    assert.deepEqual(free.inputShape, [1, 1, 96, 96, 96]);
    await free.release();
    await assert.rejects(
      createImageExplainer(model, { size: [8, 8] }),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'size' && /\[depth, height, width\]/.test(e.message),
    );
  });

  it('a photo, a tensor of the wrong shape and an image preset are refused; a volume on another grid keeps its grid', async () => {
    const ex = await createImageExplainer(model, { size: [6, 8, 10] });
    try {
      const photo = { width: 4, height: 4, channels: 3 as const, data: new Uint8Array(48) };
      await assert.rejects(
        ex.explain([photo], { preprocess: 'none' }),
        (e: unknown) => e instanceof InvalidInputError && /2-D image/.test(e.message),
      );
      await assert.rejects(
        ex.explain([{ tensor: new Float32Array(480), dims: [1, 6, 8, 8, 10] }]),
        (e: unknown) => e instanceof InvalidInputError && /the model takes \[1, 6, 8, 10\]/.test(e.message),
      );
      await assert.rejects(
        ex.explain([{ tensor: new Float32Array(480), dims: [1, 6, 8, 10] }], { preprocess: 'imagenet' }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'preprocess',
      );
      const volume = Float32Array.from({ length: 5 * 7 * 9 }, (_, i) => Math.sin(i * 0.31) * 100);
      const [r] = await ex.explain([{ volume, dims: [5, 7, 9], name: 'v' }], { intensity: 'zscore' });
      assert.deepEqual([r.depth, r.height, r.width, r.map.length], [5, 7, 9, 315]);
      assert.deepEqual([r.inputDepth, r.inputHeight, r.inputWidth, r.inputMap.length], [6, 8, 10, 480]);
      assert.deepEqual([r.layerDepth, r.layerHeight, r.layerWidth, r.layerMap.length], [6, 8, 10, 480]);
      assert.equal(Math.max(...r.map), 1);
      assert.equal(Math.min(...r.map), 0);
      assert.equal(r.source, 'v');
    } finally {
      await ex.release();
    }
  });

  it('evaluate(): the pixel metrics refuse a volume model; the sanity check runs on it', async () => {
    const ex = await createImageExplainer(model, { size: [4, 4, 4] });
    try {
      const volume = { tensor: Float32Array.from({ length: 64 }, (_, i) => Math.sin(i)), dims: [1, 4, 4, 4] };
      await assert.rejects(
        evaluate(ex, [volume], { preprocess: 'none', metrics: ['drop', 'deletion'] }),
        (e: unknown) =>
          e instanceof InvalidInputError && /drop, deletion are defined on 2-D images.*volumes \[N, C, D, H, W\]/.test(e.message),
      );
      const ev = await evaluate(ex, [volume], { preprocess: 'none', metrics: ['sanity'] });
      assert.equal(ev.rows[0].curves.sanity.sanity.y.length, 2, 'the Conv and the Gemm randomised');
    } finally {
      await ex.release();
    }
  });

  it('gcam export refuses a volume model by name (its finish is a 2-D resize)', async () => {
    await assert.rejects(
      exportExplainModel(nodeRuntime(), loadModel(model), { size: 4 }),
      (e: unknown) =>
        e instanceof InvalidInputError && /builds heatmaps for 2-D image models.*volumes \[N, C, D, H, W\]/.test(e.message),
    );
  });
});
