/**
 * What the pipeline does with unusual but legal models and hostile arguments: a model that fixes its batch runs any
 * number of images (padded, the padding dropped) with the same maps as the same model with a dynamic batch; NaN or
 * Infinity in an input or in the scores is an error naming where; empty layer names, a missing model, a dangling
 * image input and absurd thread counts are typed errors.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GcamError, InvalidModelError, InvalidOptionError, InvalidInputError, explain, type ExplainResult } from '../src/node.js';
import { ModelProtoType } from '../src/onnx/schema.js';
import { tinyModel } from './helpers/tiny-model.js';
import { assertClose } from './helpers/compare.js';

/** A small CNN: Conv 3→4 (3×3, pad 1) → Relu → GlobalAveragePool → Flatten → Gemm 4→3, batch `batch`. */
function cnn(batch: number | string): Uint8Array {
  const rnd = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * 0.5);
  return tinyModel({
    inputs: [{ name: 'x', dims: [batch, 3, 8, 8] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'g', 'gb'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: [
      { name: 'w', dims: [4, 3, 3, 3], values: rnd(108, 1) },
      { name: 'b', dims: [4], values: rnd(4, 2) },
      { name: 'g', dims: [3, 4], values: rnd(12, 3) },
      { name: 'gb', dims: [3], values: rnd(3, 4) },
    ],
  });
}

function images(n: number): { tensor: Float32Array; dims: number[]; name: string }[] {
  return Array.from({ length: n }, (_, k) => ({
    name: `t${k}`,
    dims: [3, 8, 8],
    tensor: Float32Array.from({ length: 192 }, (_, i) => Math.cos(k * 3.1 + i * 0.37) * 2),
  }));
}

const maps = (rs: ExplainResult[]) => rs.flatMap((r) => [...r.inputMap]);

describe('a model with a fixed batch', () => {
  for (const method of ['gradcam', 'scorecam', 'ablationcam', 'eigencam', 'saliency'] as const)
    it(`${method}: 3 images through a batch-2 model equal the dynamic-batch model's maps`, async () => {
      const options = { preprocess: 'none' as const, layers: ['r'], method, topK: 2 };
      const fixed = await explain(cnn(2), images(3), options);
      const dynamic = await explain(cnn('N'), images(3), options);
      assert.equal(fixed.length, dynamic.length);
      assert.deepEqual(
        fixed.map((r) => [r.image, r.classIndex]),
        dynamic.map((r) => [r.image, r.classIndex]),
      );
      assertClose(maps(fixed), maps(dynamic), 1e-6, `${method}: fixed vs dynamic batch`);
    });
});

describe('non-finite values', () => {
  it('NaN in an input tensor is an error naming the input and the index', async () => {
    const [good, bad] = images(2);
    bad.tensor[17] = NaN;
    await assert.rejects(
      explain(cnn('N'), [good, bad], { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidInputError && /t1/.test(e.message) && /NaN/.test(e.message) && /17/.test(e.message),
    );
  });

  it('a model whose weights hold Infinity gives non-finite scores: an error naming the model output', async () => {
    const bytes = cnn('N');
    const poisoned = tinyModelWithInfinity(bytes);
    await assert.rejects(
      explain(poisoned, images(1), { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidModelError && /not finite/.test(e.message),
    );
  });
});

/** The cnn with its Gemm bias set to +Infinity. */
function tinyModelWithInfinity(_bytes: Uint8Array): Uint8Array {
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', 3, 8, 8] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'] },
      { op: 'Flatten', inputs: ['p'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'g', 'gb'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: [
      { name: 'w', dims: [4, 3, 3, 3], values: Array(108).fill(0.1) },
      { name: 'g', dims: [3, 4], values: Array(12).fill(0.2) },
      { name: 'gb', dims: [3], values: [Infinity, 0, 0] },
    ],
  });
}

describe('hostile arguments', () => {
  it('an empty layer name is refused', async () => {
    await assert.rejects(
      explain(cnn('N'), images(1), { preprocess: 'none', layers: [''] }),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'layers',
    );
  });

  it('layers that are not strings, a NaN batch size, absurd thread counts', async () => {
    for (const [options, option] of [
      [{ layers: [42] }, 'layers'],
      [{ batchSize: NaN }, 'batchSize'],
      [{ threads: 100000 }, 'threads'],
      [{ topK: 1.5 }, 'topK'],
    ] as const)
      await assert.rejects(
        explain(cnn('N'), images(1), { preprocess: 'none', ...(options as object) }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === option,
        `${JSON.stringify(options)}`,
      );
  });

  it('a missing model, an image list that is not a list', async () => {
    for (const model of [null, undefined, 42, {}])
      await assert.rejects(
        explain(model as never, images(1), { preprocess: 'none' }),
        (e: unknown) => e instanceof InvalidModelError,
        `model ${String(model)}`,
      );
    await assert.rejects(explain(cnn('N'), 'x.png' as never, {}), (e: unknown) => e instanceof InvalidInputError);
    await assert.rejects(explain(cnn('N'), [null as never], {}), (e: unknown) => e instanceof GcamError);
    await assert.rejects(explain(cnn('N'), images(1), null as never), (e: unknown) => e instanceof InvalidOptionError);
  });

  it('RawImages with a wrong byte count, no pixels or 5 channels are typed errors naming the image', async () => {
    for (const img of [
      { width: 4, height: 4, channels: 3, data: new Uint8Array(47) },
      { width: 0, height: 0, channels: 3, data: new Uint8Array(0) },
      { width: 2, height: 2, channels: 5, data: new Uint8Array(20) },
    ])
      await assert.rejects(
        explain(cnn('N'), [{ ...img, name: 'odd' }], {}),
        (e: unknown) => e instanceof InvalidInputError && /odd/.test(e.message),
        JSON.stringify({ ...img, data: img.data.length }),
      );
  });

  it('an image input no node reads is named as such', async () => {
    const dangling = tinyModel({
      inputs: [{ name: 'img', dims: ['N', 3, 8, 8] }],
      outputs: ['y'],
      nodes: [{ op: 'Identity', inputs: ['k'], outputs: ['y'] }],
      initializers: [{ name: 'k', dims: [1, 3], values: [1, 2, 3] }],
    });
    await assert.rejects(
      explain(dangling, images(1), { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidModelError && /'img'/.test(e.message) && /not read by any node/.test(e.message),
    );
  });
});

describe('arguments of the wrong JavaScript type', () => {
  it('a decoded-model look-alike, a tensor without data, dims that are not a list, classesPerImage not a list', async () => {
    const bytes = cnn('N');
    await assert.rejects(
      explain({ bytes, proto: {} } as never, images(1), { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidModelError,
    );
    for (const input of [
      { tensor: null, dims: null },
      { tensor: new Float32Array(192), dims: 'abc' },
    ])
      await assert.rejects(
        explain(bytes, [images(1)[0], input as never], { preprocess: 'none' }),
        (e: unknown) => e instanceof InvalidInputError && /Tensor input #1/.test(e.message),
        JSON.stringify(input),
      );
    await assert.rejects(
      explain(bytes, images(1), { preprocess: 'none', classesPerImage: 'x' as never }),
      (e: unknown) => e instanceof InvalidOptionError && e.option === 'classesPerImage',
    );
  });

  it('preprocessing specs with missing or wrong fields name the field', async () => {
    const image = { width: 8, height: 8, channels: 3, data: new Uint8Array(192) };
    for (const [preprocess, field] of [
      ['rainbow', 'unknown'],
      [{}, 'resize'],
      [{ resize: 'crop', channelOrder: 'RGB', range: 1, mean: [0, 0, 0], std: [1, 0, 1] }, 'std'],
      [{ resize: 'crop', channelOrder: 'RGB', range: 7, mean: [0, 0, 0], std: [1, 1, 1] }, 'range'],
    ] as const)
      await assert.rejects(
        explain(cnn('N'), [image], { preprocess: preprocess as never }),
        (e: unknown) => e instanceof InvalidOptionError && e.option === 'preprocess' && e.message.includes(field),
        JSON.stringify(preprocess),
      );
  });
});

describe('a declared output shape the model does not compute', () => {
  it('is an error naming the output and both shapes (a failure deep inside onnxruntime before)', async () => {
    const proto = ModelProtoType.toObject(ModelProtoType.decode(cnn('N'))) as {
      graph: { output: { type: { tensor_type: { shape?: unknown } } }[] };
    };
    proto.graph.output[0].type.tensor_type.shape = { dim: [{ dim_value: 2 ** 40 }, { dim_value: 3 }] };
    const bytes = ModelProtoType.encode(ModelProtoType.fromObject(proto)).finish();
    await assert.rejects(
      explain(bytes, images(1), { preprocess: 'none' }),
      (e: unknown) =>
        e instanceof InvalidModelError && /declares its output 'y' as \[1099511627776, 3\] but computes \[1, 3\]/.test(e.message),
    );
  });
});

describe('a model without the ai.onnx opset', () => {
  it("is an InvalidModelError (onnxruntime refused gcam's own nodes before: exit 1)", async () => {
    const proto = ModelProtoType.toObject(ModelProtoType.decode(cnn('N'))) as { opset_import: unknown[] };
    proto.opset_import = [{ domain: 'x', version: 17 }];
    const bytes = ModelProtoType.encode(ModelProtoType.fromObject(proto)).finish();
    await assert.rejects(
      explain(bytes, images(1), { preprocess: 'none' }),
      (e: unknown) => e instanceof InvalidModelError && /imports no ai.onnx opset/.test(e.message),
    );
  });
});

describe('onnxruntime failing on an input the model itself cannot take is bad input, not a failure of gcam', () => {
  /**
   * A CNN whose logits also add table[max(x)]: at zeros (the probe) the index is 0 and every run works; an input
   * whose maximum is 5 makes the model's own Gather index out of its 2-entry table, with or without gcam's nodes.
   */
  const model = tinyModel({
    inputs: [{ name: 'x', dims: ['n', 1, 4, 4] }],
    outputs: ['logits'],
    initializers: [
      { name: 'w', dims: [2, 1, 3, 3], values: Array.from({ length: 18 }, (_, i) => ((i * 7) % 5) / 5 - 0.3) },
      { name: 'fc', dims: [2, 3], values: [0.5, -0.2, 0.1, 0.3, 0.4, -0.6] },
      { name: 'table', dims: [2], values: [0.25, -0.25] },
      { name: 'one', dims: [1], values: [1], dataType: 7 },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['conv'], attrs: { pads: [1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['conv'], outputs: ['act'] },
      { op: 'GlobalAveragePool', inputs: ['act'], outputs: ['pool'] },
      { op: 'Flatten', inputs: ['pool'], outputs: ['flat'] },
      { op: 'MatMul', inputs: ['flat', 'fc'], outputs: ['mm'] },
      { op: 'ReduceMax', inputs: ['x'], outputs: ['peak'], attrs: { keepdims: 0 } },
      { op: 'Cast', inputs: ['peak'], outputs: ['index0'], attrs: { to: 7 } },
      { op: 'Reshape', inputs: ['index0', 'one'], outputs: ['index'] },
      { op: 'Gather', inputs: ['table', 'index'], outputs: ['bias'] },
      { op: 'Add', inputs: ['mm', 'bias'], outputs: ['logits'] },
    ],
  });
  const tensor = (v: number) => ({ tensor: new Float32Array(16).fill(v), dims: [1, 4, 4], name: `x=${v}` });

  it('an input the model takes is explained; one it fails on is an InvalidModelError naming it and the model', async () => {
    const ok = await explain(model, [tensor(1)], { preprocess: 'none', layers: ['act'] });
    assert.equal(ok.length, 1);
    await assert.rejects(explain(model, [tensor(1), tensor(5)], { preprocess: 'none', layers: ['act'] }), (e: unknown) => {
      assert.ok(e instanceof InvalidModelError, String(e));
      assert.match(e.message, /^The model itself fails on x=1, x=5: .*Gather/);
      return true;
    });
  });
});
