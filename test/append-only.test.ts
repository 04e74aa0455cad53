/** The explain model is the user's bytes plus an appended fragment: nothing of the original is re-encoded or lost. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { compileExplainModel, decodeModel } from '../src/index.js';
import { opsetOf } from '../src/onnx/decode.js';
import { ModelProtoType } from '../src/onnx/schema.js';
import type { ModelProto } from '../src/onnx/types.js';
import { nodeRuntime } from '../src/node.js';
import { tinyModel } from './helpers/tiny-model.js';

const runtime = nodeRuntime();

function model(opset: number, withMaxPool: boolean): Uint8Array {
  return tinyModel({
    opset,
    inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }],
    outputs: ['y'],
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'relu' },
      withMaxPool
        ? { op: 'MaxPool', inputs: ['a'], outputs: ['m'], name: 'pool', attrs: { kernel_shape: [2, 2], strides: [2, 2] } }
        : { op: 'Identity', inputs: ['a'], outputs: ['m'], name: 'id' },
      { op: 'Flatten', inputs: ['m'], outputs: ['y'], name: 'flat' },
    ],
  });
}

/** Appends an unknown top-level field (number 999, varint 42), as a future ONNX version might carry. */
function withUnknownField(bytes: Uint8Array): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((999 << 3) | 0).uint32(42);
  const extra = w.finish();
  const out = new Uint8Array(bytes.length + extra.length);
  out.set(bytes);
  out.set(extra, bytes.length);
  return out;
}

function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

describe('append-only model writing', () => {
  it('without an opset raise the explain model starts with the original bytes, unknown fields included', async () => {
    const original = withUnknownField(model(13, false));
    const em = await compileExplainModel(runtime, decodeModel(original), { targets: ['a'], inputShape: [1, 1, 4, 4] });
    assert.equal(em.opset, 13);
    assert.deepEqual(em.bytes.subarray(0, original.length), original);
    // onnxruntime accepts the merged model and runs it.
    const s = await runtime.createSession(em.bytes);
    await s.release();
  });

  it('an opset raise (MaxPool on the path) rewrites only opset_import/ir_version and keeps the graph bytes', async () => {
    // Opset 6: MaxPool's gradient is built at the model's opset from 7 on (src/vjp/max-pool.ts), so only a model below
    // 7 still raises (to 16, for ScatterElements with reduction).
    const original = withUnknownField(model(6, true));
    const em = await compileExplainModel(runtime, decodeModel(original), { targets: ['a'], inputShape: [1, 1, 4, 4] });
    assert.equal(em.opset, 16);
    const decoded = ModelProtoType.decode(original) as unknown as ModelProto;
    // The original graph field, byte for byte, is inside the explain model.
    const r = protobuf.Reader.create(original);
    let graphField: Uint8Array | undefined;
    while (r.pos < r.len) {
      const start = r.pos;
      const tag = r.uint32();
      r.skipType(tag & 7);
      if (tag >>> 3 === 7) graphField = original.subarray(start, r.pos);
    }
    assert.ok(graphField && indexOfBytes(em.bytes, graphField) >= 0, 'original graph bytes preserved');
    assert.ok(indexOfBytes(em.bytes, new Uint8Array([((999 << 3) & 0x7f) | 0x80, 999 >> 4, 42])) >= 0, 'unknown field preserved');
    const rewritten = ModelProtoType.decode(em.bytes) as unknown as ModelProto;
    assert.equal(opsetOf(rewritten), 16);
    assert.equal(rewritten.opset_import?.length, decoded.opset_import?.length, 'no duplicate opset entries');
    const s = await runtime.createSession(em.bytes);
    const out = await s.run(
      {
        x: { type: 'float32', dims: [1, 1, 4, 4], data: Float32Array.from({ length: 16 }, (_, i) => (i % 5) - 2) },
        [em.targetWeightsName]: { type: 'float32', dims: [1, 4], data: Float32Array.from([1, 2, 3, 4]) },
      },
      [em.layers[0].gradient],
    );
    // relu(x) rows: [0,0,0,1] [2,0,0,0] [1,2,0,0] [0,1,2,0]; the 2×2 windows' maxima sit at flat indices 4, 3, 9, 14
    // and receive the target weights 1, 2, 3, 4 (the Relu passes them: x > 0 there).
    const g = Array.from(out[em.layers[0].gradient].data as Float32Array);
    assert.deepEqual(g, [0, 0, 0, 2, 1, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4, 0]);
    await s.release();
  });
});
