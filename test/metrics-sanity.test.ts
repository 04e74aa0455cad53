/**
 * The sanity check's parts: Spearman's ρ on hand-computed vectors, the cascade's order and the in-place rewrite of
 * the weights (only the chosen initializers change, each keeping its mean and spread), and evaluate()'s cascade on
 * the built-in model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinModel } from '../src/builtin.js';
import { createImageExplainer, decodeModel, loadModel } from '../src/node.js';
import { GraphView } from '../src/onnx/graph.js';
import { readTensor } from '../src/onnx/tensor.js';
import { cascadeSteps, randomisedBytes } from '../src/metrics/randomise.js';
import { spearman } from '../src/metrics/spearman.js';
import { evaluate } from '../src/metrics/evaluate.js';
import { twoShapeScene } from '../src/eval/two-shapes.js';
import { renderScene } from '../src/scenes/render-node.js';

describe('Spearman rank correlation', () => {
  it('matches hand-computed values', () => {
    // 1 − 6·Σd² / (n(n² − 1)) = 1 − 6·2 / 60.
    assert.ok(Math.abs(spearman([1, 2, 3, 4], [1, 3, 2, 4]) - 0.8) < 1e-15);
    assert.equal(spearman([1, 2, 3], [30, 20, 10]), -1);
    // Ties share their mean rank: ranks [1.5, 1.5, 3] against [1, 2, 3]: 1.5 / √(1.5·2).
    assert.ok(Math.abs(spearman([5, 5, 9], [0.1, 0.2, 0.3]) - 1.5 / Math.sqrt(3)) < 1e-15);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });
});

describe('cascading randomisation of the weights', () => {
  const model = builtinModel();
  const decoded = loadModel(model.path);
  const view = new GraphView(decoded.proto);
  const steps = cascadeSteps(view);

  it('goes from the classifier back to the first convolution', () => {
    assert.equal(steps[0].opType, 'Gemm');
    assert.equal(steps.at(-1)!.opType, 'Conv');
    assert.equal(steps.length, view.nodes.filter((n) => n.opType === 'Conv' || n.opType === 'Gemm').length);
  });

  it('rewrites only the chosen initializers, in place, keeping their mean and spread', () => {
    const original = new Uint8Array(decoded.bytes);
    const bytes = randomisedBytes(decoded, view, steps.slice(0, 2), 3);
    assert.equal(bytes.length, decoded.bytes.length);
    assert.deepEqual(new Uint8Array(decoded.bytes), original, 'the model given is left as it was');
    const after = new GraphView(decodeModel(bytes).proto);
    const chosen = new Set(steps.slice(0, 2).flatMap((s) => s.initializers));
    for (const [name, t] of view.initializers) {
      const a = readTensor(t).values;
      const b = readTensor(after.initializers.get(name)!).values;
      if (!chosen.has(name)) assert.deepEqual(b, a, name);
      else {
        const stats = (v: Float64Array) => {
          const m = v.reduce((s, x) => s + x, 0) / v.length;
          return [m, Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length)];
        };
        const [ma, sa] = stats(a);
        const [mb, sb] = stats(b);
        assert.notDeepEqual(b, a, name);
        if (a.length >= 100)
          assert.ok(Math.abs(mb - ma) < 0.3 * sa && Math.abs(sb / sa - 1) < 0.2, `${name}: ${ma} ${sa} → ${mb} ${sb}`);
      }
    }
  });

  it('evaluate() reports ρ per cascade step for each map', async () => {
    const ex = await createImageExplainer(model.path);
    try {
      const images = await Promise.all([0, 1].map((i) => renderScene(twoShapeScene(9_400_000 + i, model.labels.length))));
      const ev = await evaluate(ex, images, { preprocess: model.preprocess, metrics: ['sanity'], sanitySteps: 3 });
      assert.deepEqual(
        ev.sanityLayers,
        steps.slice(0, 3).map((s) => s.layer),
      );
      for (const r of ev.rows) {
        const y = r.curves.sanity.sanity.y;
        assert.equal(y.length, 3);
        assert.ok(y.every((v) => v >= -1 && v <= 1));
        assert.ok(Math.abs(r.values.sanity - y.reduce((a, b) => a + b, 0) / 3) < 1e-12);
        // Grad-CAM depends on the classifier's weights: randomising them changes the map.
        assert.ok(y[0] < 0.99, `ρ ${y[0]}`);
      }
    } finally {
      await ex.release();
    }
  });
});
