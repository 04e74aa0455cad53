/** Listing layers with shapes, resolving what users type, and the default layer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AmbiguousLayerError, GraphView, LayerNotFoundError } from '../src/index.js';
import {
  defaultInputShape,
  defaultLayer,
  listLayers,
  misleadingShortNames,
  moduleNameOf,
  modulePath,
  resolveLayer,
  torchScope,
} from '../src/layers.js';
import { dtypeName } from '../src/onnx/schema.js';
import { ExplainSession } from '../src/runtime/explain-session.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { SQUEEZENET, needsShared, sharedPath } from './helpers/shared.js';

const runtime = nodeRuntime();

describe('layers', () => {
  it('torch.onnx scope names give module paths', () => {
    assert.equal(modulePath('/layer4/layer4.1/relu_1/Relu'), 'relu_1');
    assert.equal(modulePath('/features/features.29/Relu'), 'features.29');
    assert.equal(modulePath('Relu_63'), undefined);
  });

  it('module paths map to torch.onnx scopes (a numeric child joins its parent level)', () => {
    assert.equal(torchScope('features.18.conv'), '/features/features.18/conv');
    assert.equal(torchScope('layer4.1.relu'), '/layer4/layer4.1/relu');
    assert.equal(torchScope('features.denseblock4'), '/features/denseblock4');
    assert.equal(torchScope('conv5'), '/conv5');
  });

  it('the default layer is larger than 1 along every spatial axis', () => {
    const layer = (tensor: string, dims: number[]) => ({ tensor, node: tensor, opType: 'X', dims, dtype: 'float32' });
    const picked = defaultLayer([layer('a', [1, 8, 7, 7]), layer('pooled', [1, 1, 1, 768]), layer('b', [1, 8, 1, 1])]);
    assert.equal(picked.tensor, 'a');
  });

  it('one probe per model and input size: the layer list measures what later explain compiles need', async () => {
    const decoded = loadModel(fileURLToPath(new URL('./fixtures/e2e/resnet.onnx', import.meta.url)));
    const created: number[] = [];
    const counting = {
      name: 'counting',
      createSession: (bytes: Uint8Array, o?: object) => (created.push(bytes.length), runtime.createSession(bytes, o)),
    };
    const view = new GraphView(decoded.proto);
    const inputShape = defaultInputShape(view);
    const layers = await listLayers(counting, decoded, { view, inputShape });
    assert.equal(created.length, 1, 'the layer list probes once');
    for (const layer of [defaultLayer(layers), layers[0]]) {
      const ex = await ExplainSession.create(counting, decoded, { targets: [layer.tensor], inputShape });
      await ex.release();
    }
    assert.equal(created.length, 3, 'each compile creates its explain session only, no probe session');
    // Another input shape (here the batch) is measured anew.
    const ex = await ExplainSession.create(counting, decoded, { targets: [layers[0].tensor], inputShape: [2, 3, 64, 64] });
    await ex.release();
    assert.equal(created.length, 5);
  });

  it(
    'SqueezeNet: lists layers with shapes, picks the last spatial layer, resolves names',
    { ...needsShared(SQUEEZENET) },
    async () => {
      const decoded = loadModel(sharedPath(SQUEEZENET)!);
      const view = new GraphView(decoded.proto);
      assert.deepEqual(defaultInputShape(view), [1, 3, 224, 224]);
      const layers = await listLayers(runtime, decoded, { view });
      const fire9 = layers.find((l) => l.tensor === 'fire9/concat_1');
      assert.deepEqual(fire9?.dims, [1, 512, 13, 13]);
      assert.equal(fire9?.opType, 'Concat');
      assert.deepEqual(layers.find((l) => l.tensor === 'conv1_2')?.dims, [1, 64, 111, 111]);
      // The last tensor with spatial extent > 1: conv10's ReLU (13×13), just before GlobalAveragePool.
      assert.equal(defaultLayer(layers).tensor, 'conv10_2');
      assert.equal(resolveLayer('fire9/concat_1', layers, view), 'fire9/concat_1');
      assert.equal(resolveLayer('Relu_63', layers, view), 'conv10_2', 'node name → its output');
      assert.equal(resolveLayer('fire9', layers, view), 'fire9/concat_2', "scope prefix 'fire9/' → its last tensor");
      assert.throws(
        () => resolveLayer('fire9/concat', layers, view),
        (e: unknown) => e instanceof LayerNotFoundError && e.suggestions[0].startsWith('fire9/concat_'),
      );
    },
  );

  it('PyTorch module paths resolve to the last tensor of the module scope (torch.onnx exports)', async () => {
    const cases: [string, string, string][] = [
      ['resnet', 'layer2', '/layer2/layer2.1/relu_1/Relu_output_0'],
      ['resnet', 'layer2.1', '/layer2/layer2.1/relu_1/Relu_output_0'],
      ['resnet', 'maxpool', '/maxpool/MaxPool_output_0'],
      ['vgg', 'features.16', '/features/features.16/Relu_output_0'],
      ['mobilenet', 'lastconv', '/lastconv/lastconv.2/HardSwish_output_0'],
    ];
    for (const [model, name, tensor] of cases) {
      const decoded = loadModel(fileURLToPath(new URL(`./fixtures/e2e/${model}.onnx`, import.meta.url)));
      const view = new GraphView(decoded.proto);
      const layers = await listLayers(runtime, decoded, { view, inputShape: [1, 3, 64, 64] });
      assert.equal(resolveLayer(name, layers, view), tensor, `${model} ${name}`);
    }
    const decoded = loadModel(fileURLToPath(new URL('./fixtures/e2e/resnet.onnx', import.meta.url)));
    const view = new GraphView(decoded.proto);
    const layers = await listLayers(runtime, decoded, { view, inputShape: [1, 3, 64, 64] });
    assert.equal(
      defaultLayer(layers).tensor,
      '/layer2/layer2.1/relu_1/Relu_output_0',
      'default = last spatial layer before pooling',
    );
    assert.throws(
      () => resolveLayer('layer5', layers, view),
      (e: unknown) => e instanceof LayerNotFoundError && e.suggestions.some((x) => x.startsWith('layer')),
    );
  });

  describe('short names several modules share (the resnet fixture: two blocks in each of layer1 and layer2)', () => {
    const setup = async () => {
      const decoded = loadModel(fileURLToPath(new URL('./fixtures/e2e/resnet.onnx', import.meta.url)));
      const view = new GraphView(decoded.proto);
      return { view, layers: await listLayers(runtime, decoded, { view, inputShape: [1, 3, 64, 64] }) };
    };
    /** assert.throws validator: an AmbiguousLayerError listing exactly these candidates and saying what to do. */
    const ambiguous = (candidates: string[]) => (e: unknown) => {
      assert.ok(e instanceof AmbiguousLayerError, String(e));
      assert.equal(e.code, 'AMBIGUOUS_LAYER');
      assert.deepEqual(e.candidates, candidates);
      for (const c of candidates) assert.ok(e.message.includes(`'${c}'`), e.message);
      assert.match(e.message, /Pass one of these full names/);
      return true;
    };

    it("'relu_1' (every block's second ReLU) is an error listing the four modules; each listed name resolves", async () => {
      const { view, layers } = await setup();
      const blocks = ['layer1.0', 'layer1.1', 'layer2.0', 'layer2.1'];
      assert.throws(() => resolveLayer('relu_1', layers, view), ambiguous(blocks.map((b) => `${b}.relu_1`)));
      for (const b of blocks) {
        const scope = `/${b.split('.')[0]}/${b}`;
        assert.equal(resolveLayer(`${b}.relu_1`, layers, view), `${scope}/relu_1/Relu_output_0`);
      }
      // A dotted suffix of module paths is a short name too: '0.relu' is in layer1.0 and layer2.0.
      assert.throws(() => resolveLayer('0.relu', layers, view), ambiguous(['layer1.0.relu', 'layer2.0.relu']));
    });

    it('a full module path from the root wins over the blocks that share its name; a short name of one module resolves', async () => {
      const { view, layers } = await setup();
      assert.equal(resolveLayer('relu', layers, view), '/relu/Relu_output_0', 'the top-level relu, not a block’s');
      assert.equal(resolveLayer('conv1', layers, view), '/conv1/Conv_output_0');
      assert.equal(
        resolveLayer('downsample.0', layers, view),
        '/layer2/layer2.0/downsample/downsample.0/Conv_output_0',
        'only layer2.0 has a downsample',
      );
      assert.equal(
        resolveLayer('/layer2/layer2.0/relu/Relu_output_0', layers, view),
        '/layer2/layer2.0/relu/Relu_output_0',
        'exact tensor',
      );
      assert.equal(resolveLayer('/layer2/layer2.0/relu/Relu', layers, view), '/layer2/layer2.0/relu/Relu_output_0', 'node');
      assert.throws(() => resolveLayer('/', layers, view), LayerNotFoundError, "'/' is no prefix of every name");
    });

    it('listings: which short names do not lead back to their layer, and the full module path', async () => {
      const { view, layers } = await setup();
      const at = (tensor: string) => layers.find((l) => l.tensor === tensor)!;
      const misleading = misleadingShortNames(layers, view);
      const misleads = (tensor: string) => misleading.has(tensor);
      assert.equal(misleads('/relu/Relu_output_0'), false, "the top-level 'relu' is its own full path");
      assert.equal(misleads('/layer1/layer1.0/relu/Relu_output_0'), true, "'relu' gives the top-level relu");
      assert.equal(misleads('/layer1/layer1.0/relu_1/Relu_output_0'), true, "'relu_1' is in four blocks");
      assert.equal(misleads('/layer1/layer1.0/Add_output_0'), false, "'layer1.0' is the block this Add is in");
      assert.equal(misleads('/layer2/layer2.0/downsample/downsample.0/Conv_output_0'), false);
      assert.equal(moduleNameOf(at('/layer2/layer2.0/downsample/downsample.0/Conv_output_0')), 'layer2.0.downsample.0');
      assert.equal(moduleNameOf(at('/layer1/layer1.0/Add_output_0')), 'layer1.0');
      assert.ok(layers.every((l) => l.dtype === 'float32'));
    });
  });

  it('element types by name', () => {
    assert.deepEqual([1, 10, 11, 16, 7, 2, 9, 0, 17].map(dtypeName), [
      'float32',
      'float16',
      'float64',
      'bfloat16',
      'int64',
      'uint8',
      'bool',
      'type not declared',
      'ONNX data type 17',
    ]);
  });

  it('fixed-size model refuses another input size with a clear error', { ...needsShared(SQUEEZENET) }, () => {
    const view = new GraphView(loadModel(sharedPath(SQUEEZENET)!).proto);
    assert.throws(() => defaultInputShape(view, 448), /fixed size 224×224/);
  });
});
