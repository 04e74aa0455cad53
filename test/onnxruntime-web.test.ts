/**
 * The explain model is plain ONNX: the one compiled for SqueezeNet runs in onnxruntime-web's wasm backend (under Node)
 * and gives the same scores, activations A and gradients dA as onnxruntime-node. Also checks the browser entry
 * (src/web.ts): loadModel from bytes and a full compile whose probe run happens in wasm.
 *
 * onnxruntime-web under Node resolves to dist/ort.node.min.mjs, which finds ort-wasm-simd-threaded.{mjs,wasm} next to
 * itself from import.meta.url, so env.wasm.wasmPaths is left unset. One wasm thread: no worker threads in the test.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import * as ortWeb from 'onnxruntime-web';
import { compileExplainModel, ExplainSession, type RtTensor, type Runtime } from '../src/index.js';
import { loadModel as loadModelNode, nodeRuntime } from '../src/node.js';
import { loadModel as loadModelWeb, webRuntime } from '../src/web.js';

ortWeb.env.wasm.numThreads = 1;

const MODEL = fileURLToPath(new URL('../../shared/models/squeezenet1.1/squeezenet1.1.onnx', import.meta.url));
const skip = existsSync(MODEL) ? false : `SqueezeNet not found at ${MODEL}`;
const LAYER = 'fire9/concat_1';
const SHAPE = [1, 3, 224, 224] as const;

/** Deterministic image-like input in [-2, 2). */
function input(): Float32Array {
  const x = new Float32Array(SHAPE[1] * SHAPE[2] * SHAPE[3]);
  let s = 2463534242;
  for (let i = 0; i < x.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    x[i] = ((s >>> 0) / 4294967296) * 4 - 2;
  }
  return x;
}

/** |actual − expected| ≤ tol · max|expected| elementwise (no floor at 1: gradients are small). */
function assertRelClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length ${actual.length} vs ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  assert.ok(scale > 0, `${what}: expected values are all zero, the comparison would prove nothing`);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= worst)) [worst, at] = [d, i];
  }
  assert.ok(
    worst <= tol * scale,
    `${what}: max error ${worst} at ${at} (web ${actual[at]}, node ${expected[at]}), max |value| ${scale}, tolerance ${tol * scale}`,
  );
}

async function runOn(runtime: Runtime, bytes: Uint8Array, feeds: Record<string, RtTensor>, fetch: string[]) {
  const session = await runtime.createSession(bytes);
  try {
    return await session.run(feeds, fetch);
  } finally {
    await session.release();
  }
}

describe('onnxruntime-web (wasm, under Node)', () => {
  it('runs the SqueezeNet explain model with the same scores, A and dA as onnxruntime-node', { skip }, async () => {
    const decoded = loadModelNode(MODEL);
    const em = await compileExplainModel(nodeRuntime(), decoded, { targets: [LAYER], inputShape: SHAPE });
    const k = em.numClasses;
    // Dense weights over all classes, so dA sums over every class's path (a one-hot weight makes dA a single product).
    const tw = input()
      .subarray(0, k)
      .map((v) => v / 2);
    const feeds: Record<string, RtTensor> = {
      [em.inputName]: { type: 'float32', dims: SHAPE, data: input() },
      [em.targetWeightsName]: { type: 'float32', dims: [1, k], data: tw },
    };
    const { activation, gradient } = em.layers[0];
    const fetch = [em.scoresName, activation, gradient];
    const node = await runOn(nodeRuntime(), em.bytes, feeds, fetch);
    const web = await runOn(webRuntime(), em.bytes, feeds, fetch);
    for (const name of fetch) {
      assert.deepEqual(web[name].dims, node[name].dims, `${name}: dims`);
      assert.equal(web[name].type, 'float32');
    }
    assert.deepEqual(node[activation].dims, [1, 512, 13, 13]);
    assertRelClose(web[em.scoresName].data as Float32Array, node[em.scoresName].data as Float32Array, 1e-4, 'scores');
    assertRelClose(web[activation].data as Float32Array, node[activation].data as Float32Array, 1e-4, 'A');
    assertRelClose(web[gradient].data as Float32Array, node[gradient].data as Float32Array, 1e-4, 'dA');
  });

  it('compiles the same explain model through the web entry (probe run in wasm)', { skip }, async () => {
    // Bytes as a Node Buffer: loadModel must hand onnxruntime-web a plain Uint8Array view.
    const decoded = await loadModelWeb(readFileSync(MODEL));
    const options = { targets: [LAYER], inputShape: SHAPE };
    const web = await ExplainSession.create(webRuntime(), decoded, options);
    const node = await ExplainSession.create(nodeRuntime(), loadModelNode(MODEL), options);
    try {
      assert.deepEqual(web.model.bytes, node.model.bytes, 'explain model bytes differ between runtimes');
      const tw = new Float32Array(web.model.numClasses);
      tw[1] = 1;
      const x = input();
      const [rw, rn] = [await web.run(x, tw), await node.run(x, tw)];
      assertRelClose(rw.scores, rn.scores, 1e-4, 'scores');
      assertRelClose(rw.layers[0].activation, rn.layers[0].activation, 1e-4, 'A');
      assertRelClose(rw.layers[0].gradient, rn.layers[0].gradient, 1e-4, 'dA');
    } finally {
      await web.release();
      await node.release();
    }
  });
});
