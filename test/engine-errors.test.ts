/** Every bad input gets a typed error with a message that names the thing and says what to do. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  ExplainSession,
  InvalidInputError,
  InvalidModelError,
  LayerNotFoundError,
  LayerNotOnPathError,
  UnsupportedOpError,
  compileExplainModel,
  decodeModel,
} from '../src/index.js';
import { listLayers, resolveLayer } from '../src/layers.js';
import { GraphView } from '../src/onnx/graph.js';
import { DataType } from '../src/onnx/schema.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { SQUEEZENET, needsShared, sharedPath } from './helpers/shared.js';
import { tinyModel } from './helpers/tiny-model.js';

const runtime = nodeRuntime();

/** x [N,2,4,4] → Conv 1×1 → a → Relu → b → GlobalAveragePool → Flatten → logits; and a side branch a → Sigmoid → side. */
function branchyModel(extra: { op: string }[] = []): Uint8Array {
  const nodes = [
    { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'], name: 'conv' },
    ...extra.map((e, i) => ({ op: e.op, inputs: [i === 0 ? 'a' : `e${i - 1}`], outputs: [`e${i}`], name: `extra${i}` })),
    { op: 'Relu', inputs: [extra.length ? `e${extra.length - 1}` : 'a'], outputs: ['b'], name: 'relu' },
    { op: 'GlobalAveragePool', inputs: ['b'], outputs: ['p'], name: 'gap' },
    { op: 'Flatten', inputs: ['p'], outputs: ['logits'], name: 'flatten' },
    { op: 'Sigmoid', inputs: ['x'], outputs: ['side'], name: 'side_sigmoid' },
  ];
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }],
    outputs: ['logits', 'side'],
    nodes,
    initializers: [{ name: 'w', dims: [3, 2, 1, 1], values: [1, 0, 0, 1, 1, -1] }],
  });
}

describe('engine errors', () => {
  it('not an ONNX file (a PNG) → InvalidModelError', { ...needsShared('images/chelsea.png') }, () => {
    const png = readFileSync(sharedPath('images/chelsea.png')!);
    assert.throws(
      () => decodeModel(png),
      (e: unknown) => e instanceof InvalidModelError && /not (a readable )?(an )?ONNX/.test(e.message),
    );
  });

  it('a text file → InvalidModelError', () => {
    assert.throws(() => decodeModel(new TextEncoder().encode('hello, this is not a model\n')), InvalidModelError);
  });

  it('missing model file → InvalidModelError naming the path', () => {
    assert.throws(
      () => loadModel('/nonexistent/model.onnx'),
      (e: unknown) => e instanceof InvalidModelError && e.message.includes('/nonexistent/model.onnx'),
    );
  });

  it('a truncated model → InvalidModelError', { ...needsShared(SQUEEZENET) }, () => {
    const bytes = readFileSync(sharedPath(SQUEEZENET)!);
    for (const cut of [0.5, 0.9, 0.999]) {
      assert.throws(() => decodeModel(bytes.subarray(0, Math.floor(bytes.length * cut))), InvalidModelError, `cut at ${cut}`);
    }
  });

  it('a model whose input is not a float image tensor → InvalidModelError', async () => {
    const intInput = tinyModel({
      inputs: [{ name: 'ids', dims: ['N', 16], elemType: DataType.INT64 }],
      outputs: ['y'],
      nodes: [{ op: 'Cast', inputs: ['ids'], outputs: ['y'], attrs: { to: 1 } }],
    });
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(intInput), { targets: ['y'], inputShape: [1, 16, 1, 1] }),
      (e: unknown) => e instanceof InvalidModelError && /not a float image tensor/.test(e.message) && e.message.includes("'ids'"),
    );
    const flat = tinyModel({
      inputs: [{ name: 'v', dims: ['N', 8] }],
      outputs: ['y'],
      nodes: [{ op: 'Relu', inputs: ['v'], outputs: ['y'] }],
    });
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(flat), { targets: ['y'], inputShape: [1, 8, 1, 1] }),
      InvalidModelError,
    );
  });

  it('a layer name that does not exist → LayerNotFoundError with close names', async () => {
    const decoded = decodeModel(branchyModel());
    const view = new GraphView(decoded.proto);
    const layers = await listLayers(runtime, decoded, { view, inputShape: [1, 2, 4, 4] });
    assert.throws(
      () => resolveLayer('rellu', layers, view),
      (e: unknown) => e instanceof LayerNotFoundError && e.suggestions.includes('relu') && e.message.includes("'relu'"),
    );
  });

  it('a layer the output does not depend on → LayerNotOnPathError', async () => {
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(branchyModel()), {
        targets: ['side'],
        output: 'logits',
        inputShape: [1, 2, 4, 4],
      }),
      (e: unknown) => e instanceof LayerNotOnPathError && e.message.includes("'side'") && e.message.includes("'logits'"),
    );
  });

  it('an op without a rule → UnsupportedOpError naming op, node and a layer that works', async () => {
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(branchyModel([{ op: 'Cos' }, { op: 'Sin' }])), {
        targets: ['a'],
        inputShape: [1, 2, 4, 4],
      }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedOpError, String(e));
        assert.deepEqual(
          e.ops.map((o) => [o.opType, o.node]),
          [
            ['Cos', 'extra0'],
            ['Sin', 'extra1'],
          ],
        );
        assert.ok(e.workingLayers.includes('b'), `working layers: ${e.workingLayers}`);
        assert.match(e.message, /Cos \(node 'extra0'\).*Sin \(node 'extra1'\).*'b'/);
        return true;
      },
    );
  });

  it('a ConvTranspose with output_shape on the path → UnsupportedOpError saying to export explicit pads', async () => {
    const model = tinyModel({
      inputs: [{ name: 'x', dims: ['N', 2, 4, 4] }],
      outputs: ['logits'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'], name: 'conv' },
        {
          op: 'ConvTranspose',
          inputs: ['a', 'wt'],
          outputs: ['u'],
          name: 'up',
          attrs: { strides: [2, 2], output_shape: [8, 8] },
        },
        { op: 'GlobalAveragePool', inputs: ['u'], outputs: ['p'], name: 'gap' },
        { op: 'Flatten', inputs: ['p'], outputs: ['logits'], name: 'flatten' },
      ],
      initializers: [
        { name: 'w', dims: [3, 2, 1, 1], values: [1, 0, 0, 1, 1, -1] },
        { name: 'wt', dims: [3, 2, 2, 2], values: Array.from({ length: 24 }, (_, i) => Math.cos(i)) },
      ],
    });
    await assert.rejects(
      compileExplainModel(runtime, decodeModel(model), { targets: ['a'], inputShape: [1, 2, 4, 4] }),
      (e: unknown) => e instanceof UnsupportedOpError && /ConvTranspose with output_shape.*explicit pads/.test(e.message),
    );
  });

  it('targetWeights of the wrong shape → InvalidInputError', async () => {
    const explainer = await ExplainSession.create(runtime, decodeModel(branchyModel()), {
      targets: ['a'],
      inputShape: [1, 2, 4, 4],
    });
    try {
      const x = new Float32Array(2 * 2 * 4 * 4).fill(1);
      await assert.rejects(
        explainer.run(x, new Float32Array(3)),
        (e: unknown) => e instanceof InvalidInputError && /\[2, 3\]/.test(e.message),
      );
      await assert.rejects(explainer.run(new Float32Array(5), new Float32Array(3)), InvalidInputError);
    } finally {
      await explainer.release();
    }
  });
});
