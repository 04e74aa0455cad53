/**
 * An architecture/layer gcam cannot explain fails with UnsupportedOpError naming the op, its node and the nearest
 * layers that do work: torchvision's ResNet-18 exported in training mode (tools/gen_zoo.py, resnet18_train-op17.onnx),
 * whose BatchNormalization nodes normalise with the batch's own statistics (training_mode=1, running-stat outputs) —
 * not a function of one image, so no per-image gradient rule can sensibly exist. Below layer4's last BatchNorm nothing
 * can be explained; layer4's output (after the last residual Add and ReLU) can, and the error says so.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UnsupportedOpError } from '../../src/errors.js';
import { ExplainSession } from '../../src/runtime/explain-session.js';
import { listLayers, resolveLayer } from '../../src/layers.js';
import { GraphView, encodeNpy, loadModel, nodeRuntime } from '../../src/node.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { ZOO_DIR, zooPath } from './zoo-fixtures.js';

const FILE = 'resnet18_train-op17.onnx';
const present = existsSync(zooPath(FILE));
const skip = present ? {} : { skip: `${FILE} is not generated in ${ZOO_DIR}: run tools/run_zoo.sh` };
const INPUT = [1, 3, 64, 64];
const LAYER4 = '/layer4/layer4.1/relu_1/Relu_output_0';

describe('ResNet-18 exported in training mode: unsupported ops are named with the layers that work', skip, () => {
  it('layer3 fails with UnsupportedOpError: the 5 BatchNormalization nodes of layer4, why, and the nearest working layers', async () => {
    const decoded = loadModel(zooPath(FILE));
    const view = new GraphView(decoded.proto);
    const layers = await listLayers(nodeRuntime(), decoded, { view, inputShape: INPUT });
    const layer3 = resolveLayer('layer3', layers, view);
    await assert.rejects(
      ExplainSession.create(nodeRuntime(), decoded, { targets: [layer3], inputShape: INPUT }),
      (e: unknown) => {
        assert.ok(e instanceof UnsupportedOpError, String(e));
        assert.equal(e.ops.length, 5, 'the 5 BatchNormalizations of layer4 on the path, listed at once');
        for (const op of e.ops) {
          assert.equal(op.opType, 'BatchNormalization');
          assert.match(op.node, /^\/layer4\//);
          assert.match(op.reason ?? '', /training_mode=1|training-mode outputs/);
        }
        assert.ok(e.ops.some((o) => o.node === '/layer4/layer4.1/bn2/BatchNormalization'));
        // Nearest first: the residual Add after the last BatchNorm, then layer4's output (its ReLU).
        assert.deepEqual(e.workingLayers.slice(0, 2), ['/layer4/layer4.1/Add_output_0', LAYER4]);
        assert.match(e.message, /BatchNormalization \(node '\/layer4\/layer4\.0\/bn1\/BatchNormalization'\): training_mode=1/);
        assert.match(
          e.message,
          /can be explained: '\/layer4\/layer4\.1\/Add_output_0', '\/layer4\/layer4\.1\/relu_1\/Relu_output_0'/,
        );
        return true;
      },
    );
    // The suggested layer does work.
    const ex = await ExplainSession.create(nodeRuntime(), decoded, { targets: [LAYER4], inputShape: INPUT });
    const run = await ex.run(
      new Float32Array(3 * 64 * 64).fill(0.5),
      Float32Array.from({ length: 1000 }, (_, i) => +(i === 7)),
    );
    await ex.release();
    assert.deepEqual(run.layers[0].dims, [1, 512, 2, 2]);
    assert.ok(run.layers[0].gradient.some((v) => v !== 0));
  });

  it('gcam explain --layer layer3: exit code 2, the op, its node and the working layer in the message, nothing written', async () => {
    const dir = tempDir('gcam-zoo-');
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, encodeNpy(new Float32Array(3 * 64 * 64).fill(0.5), INPUT));
    const out = join(dir, 'out');
    const r = await runCli(['explain', npy, '--model', zooPath(FILE), '--preprocess', 'none', '--layer', 'layer3', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /BatchNormalization \(node '\/layer4\/layer4\.0\/bn1\/BatchNormalization'\): training_mode=1/);
    assert.match(r.stderr, /\/layer4\/layer4\.1\/relu_1\/Relu_output_0/);
    assert.equal(existsSync(out), false);
  });
});
