/**
 * evaluate() end to end on the built-in shapes model and two-shape scenes with their boxes: per-image values checked
 * against direct computations that share no code with the metrics (the class probability of x·map from a plain forward
 * run, the pointing game of src/eval on the same explanation), the summary against the rows, and bad input as typed
 * errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { builtinModel } from '../src/builtin.js';
import { createImageExplainer, InvalidInputError, InvalidOptionError, type ImageExplainer, type RawImage } from '../src/node.js';
import { evaluate, type Annotation, type Evaluation } from '../src/metrics/evaluate.js';
import { inBox, peakOf } from '../src/eval/pointing-game.js';
import { twoShapeScene } from '../src/eval/two-shapes.js';
import { renderScene } from '../src/scenes/render-node.js';
import type { Scene } from '../src/scenes/scene.js';

const model = builtinModel();
let explainer: ImageExplainer;
let scenes: Scene[];
let images: RawImage[];
let annotations: Annotation[][];
let ev: Evaluation;
const common = () => ({ preprocess: model.preprocess, labels: model.labels });

before(async () => {
  explainer = await createImageExplainer(model.path);
  scenes = [0, 1, 2].map((i) => twoShapeScene(9_100_000 + i, model.labels.length));
  images = await Promise.all(scenes.map((s) => renderScene(s)));
  annotations = scenes.map((s) => s.objects.map((o) => ({ classIndex: o.classIndex, region: { box: o.box } })));
  ev = await evaluate(explainer, images, {
    ...common(),
    methods: ['gradcam', 'eigencam'],
    metrics: ['drop', 'increase', 'deletion', 'pointing', 'energy-pointing'],
    annotations,
    pointingTolerance: 0,
  });
});
after(() => explainer.release());

describe('evaluate() on the built-in shapes model', () => {
  it('scores every (method, image, annotated class) once per metric', () => {
    assert.equal(ev.rows.length, 2 * 3 * 2);
    for (const r of ev.rows)
      assert.deepEqual(Object.keys(r.values).sort(), ['deletion', 'drop', 'energy-pointing', 'increase', 'pointing']);
    assert.deepEqual(
      ev.rows.filter((r) => r.method === 'gradcam').map((r) => [r.image, r.classIndex]),
      scenes.flatMap((s, i) => s.objects.map((o) => [i, o.classIndex])),
    );
  });

  it('drop and increase agree with a direct forward run of x·map (sigmoid probabilities)', async () => {
    const results = await explainer.explain(images, {
      ...common(),
      classesPerImage: scenes.map((s) => s.objects.map((o) => o.classIndex)),
    });
    const inputs = await explainer.prepareInputs(images, common());
    const forward = await explainer.forwardScores();
    const k = explainer.numClasses;
    for (const [j, r] of results.entries()) {
      const x = inputs[r.image].tensor;
      const hw = r.inputWidth * r.inputHeight;
      const masked = x.map((v, i) => v * r.inputMap[i % hw]);
      const [before, after] = [x, masked].map(async (t) => 1 / (1 + Math.exp(-(await forward.run(t))[r.classIndex])));
      const delta = (await after) - (await before);
      const row = ev.rows.filter((e) => e.method === 'gradcam')[j];
      assert.ok(Math.abs(row.values.drop - Math.max(-delta, 0)) < 1e-6, `drop ${row.values.drop} vs ${Math.max(-delta, 0)}`);
      assert.equal(row.values.increase, delta > 0 ? 1 : 0);
      assert.equal(k, model.labels.length);
    }
  });

  it('pointing agrees with the shapes pointing game on the same maps', async () => {
    const results = await explainer.explain(images, {
      ...common(),
      method: 'eigencam',
      classesPerImage: scenes.map((s) => s.objects.map((o) => o.classIndex)),
    });
    const rows = ev.rows.filter((e) => e.method === 'eigencam');
    for (const [j, r] of results.entries()) {
      const own = scenes[r.image].objects.find((o) => o.classIndex === r.classIndex)!;
      assert.equal(rows[j].values.pointing, inBox(peakOf(r.map, r.width), own.box) ? 1 : 0);
      const e = rows[j].values['energy-pointing'];
      assert.ok(e >= 0 && e <= 1);
    }
  });

  it('summarises each (method, layer, metric) and recommends the best mean', () => {
    for (const s of ev.summary) {
      const v = ev.rows.filter((r) => r.method === s.method && r.layer === s.layer).map((r) => r.values[s.metric]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      assert.ok(Math.abs(s.mean - mean) < 1e-12);
      assert.equal(s.count, 6);
    }
    const del = ev.recommendations.find((r) => r.metric === 'deletion')!;
    assert.equal(del.mean, Math.min(...ev.summary.filter((s) => s.metric === 'deletion').map((s) => s.mean)));
    const point = ev.recommendations.find((r) => r.metric === 'pointing')!;
    assert.equal(point.mean, Math.max(...ev.summary.filter((s) => s.metric === 'pointing').map((s) => s.mean)));
    const curve = ev.rows[0].curves.deletion.deletion;
    assert.equal(curve.x.length, 21);
    assert.equal(curve.x[20], 1);
  });
});

describe('evaluate() refuses bad input with typed errors', () => {
  const run = (o: Parameters<typeof evaluate>[2]) => evaluate(explainer, images.slice(0, 1), { ...common(), ...o });
  it('an unknown metric, with the closest names', async () => {
    await assert.rejects(
      run({ metrics: ['deletoin'] }),
      (e: unknown) => e instanceof InvalidOptionError && /did you mean 'deletion'/.test(e.message),
    );
  });
  it('a percentile outside (0, 100)', async () => {
    for (const o of [{ morfPercentile: 0 }, { lerfPercentile: 100 }, { roadPercentiles: [10, 120] }])
      await assert.rejects(
        run({ metrics: ['drop'], ...o }),
        (e: unknown) => e instanceof InvalidOptionError && /strictly between 0 and 100/.test(e.message),
      );
  });
  it('annotations that do not match the images', async () => {
    await assert.rejects(run({ metrics: ['pointing'], annotations }), InvalidInputError);
    await assert.rejects(
      run({ metrics: ['pointing'] }),
      (e: unknown) => e instanceof InvalidOptionError && /annotations/.test(e.message),
    );
    await assert.rejects(
      run({ metrics: ['pointing'], annotations: [[{ classIndex: 99, region: { box: [0, 0, 1, 1] } }]] }),
      InvalidInputError,
    );
  });
  it('a class without an annotated object in the image scores NaN, with a note, and is left out of the mean', async () => {
    const absent = [0, 1, 2, 3, 4, 5].find((c) => !scenes[0].objects.some((o) => o.classIndex === c))!;
    const ev1 = await run({ metrics: ['pointing'], annotations: annotations.slice(0, 1), classes: [absent] });
    assert.ok(Number.isNaN(ev1.rows[0].values.pointing));
    assert.match(ev1.rows[0].notes.join(' '), /no annotated object of class/);
    assert.equal(ev1.summary[0].count, 0);
  });
  it('an unknown score', async () => {
    await assert.rejects(run({ metrics: ['drop'], score: 'softmax' as 'prob' }), InvalidOptionError);
  });
});
