/** Listing layers with shapes, resolving what users type, and the default layer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { GraphView, LayerNotFoundError } from '../src/index.js';
import { defaultInputShape, defaultLayer, listLayers, modulePath, resolveLayer, torchScope } from '../src/layers.js';
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
    const layer = (tensor: string, dims: number[]) => ({ tensor, node: tensor, opType: 'X', dims });
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

  it('fixed-size model refuses another input size with a clear error', { ...needsShared(SQUEEZENET) }, () => {
    const view = new GraphView(loadModel(sharedPath(SQUEEZENET)!).proto);
    assert.throws(() => defaultInputShape(view, 448), /fixed size 224×224/);
  });
});
