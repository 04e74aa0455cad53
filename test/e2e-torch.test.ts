/**
 * End to end against PyTorch: three small random-weight CNNs (ResNet-like, VGG-like, MobileNet-like) exported to ONNX
 * by tools/gen_e2e_fixtures.py, with float64 torch autograd references in test/fixtures/e2e/<model>.json.
 *
 * For each model and each of its two target layers (deep: last conv block before pooling; early: near the stem), the
 * explain model is compiled with that layer alone and with both layers at once, run on a batch of 2 images with
 * one-hot target weights (per-image classes), and checked against torch: logits, A, Grad-CAM raw map and final map
 * within 1e-4 relative to the largest reference value. dA itself is compared element by element with a looser
 * tolerance (DA_TOL): gcam runs in float32 and the reference in float64, so a ReLU/MaxPool input within float32
 * rounding of a tie can route a gradient differently (DESIGN.md, "Traps"); the CAMs average such differences out.
 */
import assert from 'node:assert/strict';
import { worstError } from './helpers/compare.js';
import { oneHot } from './helpers/explain-inputs.js';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { gradCam } from '../src/cam/gradcam.js';
import { finalizeMaps, resizeBilinear } from '../src/cam/postprocess.js';
import { ExplainSession, type ExplainRun } from '../src/runtime/explain-session.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import type { DecodedModel } from '../src/onnx/decode.js';

interface FixtureLayer {
  id: string;
  module: string;
  tensor: string;
  opType: string;
  dims: number[];
  activation: number[];
  gradient: number[];
  rawCam: number[];
  finalCam: number[];
}

interface Fixture {
  model: string;
  onnx: string;
  inputShape: number[];
  input: number[];
  targets: number[];
  numClasses: number;
  logits: number[];
  layers: FixtureLayer[];
}

const DIR = new URL('./fixtures/e2e/', import.meta.url);
/** Logits, A and the CAMs: max |gcam − torch| / max |torch|. */
const TOL = 1e-4;
/** dA element by element (see the header); measured worst case 5.3e-7 (MobileNet-like stem). */
const DA_TOL = 1e-3;

const FIXTURES: Fixture[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.endsWith('.methods.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as Fixture);

/** max |actual − expected| / max |expected|, with the position of the worst element. */
function relError(actual: ArrayLike<number>, expected: ArrayLike<number>): { err: number; at: number } {
  const { worst, at, maxExpected } = worstError(actual, expected);
  return { err: maxExpected > 0 ? worst / maxExpected : worst, at };
}

function checkRel(t: TestContext, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  const { err, at } = relError(actual, expected);
  t.diagnostic(`${what}: max relative error ${err.toExponential(2)}`);
  assert.ok(
    err <= tol,
    `${what}: max error ${err} relative to max |torch| at index ${at} (got ${actual[at]}, expected ${expected[at]}), tolerance ${tol}`,
  );
}

function checkLayer(t: TestContext, fx: Fixture, run: ExplainRun, layer: FixtureLayer): void {
  const what = `${fx.model} ${layer.id} (${layer.tensor})`;
  const got = run.layers.find((l) => l.tensor === layer.tensor);
  assert.ok(got, `${what}: the explain run has no outputs for the layer`);
  assert.deepEqual(got.dims, layer.dims, `${what}: dims`);
  checkRel(t, got.activation, layer.activation, TOL, `${what}: A`);
  checkRel(t, got.gradient, layer.gradient, DA_TOL, `${what}: dA`);
  const raw = gradCam(got);
  checkRel(t, raw.data, layer.rawCam, TOL, `${what}: Grad-CAM raw map`);
  const [, , h, w] = fx.inputShape;
  const final = finalizeMaps(raw, h, w);
  assert.deepEqual(final.constant, [false, false], `${what}: no constant maps`);
  checkRel(t, final.data, layer.finalCam, TOL, `${what}: Grad-CAM final map`);
  // The fixture follows pytorch-grad-cam's order (min-max, upsample, min-max again): every map spans [0, 1]. Where a
  // layer's extreme falls between output pixel centres, the convention that stops after the upsample is far off.
  const per = h * w;
  for (let n = 0; n < 2; n++) {
    const m = layer.finalCam.slice(n * per, (n + 1) * per);
    assert.equal(Math.min(...m), 0, `${what}: reference map ${n} starts at 0`);
    assert.equal(Math.max(...m), 1, `${what}: reference map ${n} peaks at 1`);
  }
  const upsampledOnly = resizeBilinear(final.layer, h, w).data;
  const { err } = relError(upsampledOnly, layer.finalCam);
  t.diagnostic(`${what}: the upsample-only convention is off by ${err.toExponential(2)}`);
  upsampleOnlyErrors.push(err);
}

/** How far the upsample-only convention is from each reference final map checked (see checkLayer). */
const upsampleOnlyErrors: number[] = [];

for (const fx of FIXTURES) {
  describe(`${fx.model}-like CNN vs torch float64 autograd`, () => {
    const path = fileURLToPath(new URL(fx.onnx, DIR));
    let decoded: DecodedModel | undefined;
    const model = (): DecodedModel => (decoded ??= loadModel(path));
    const input = Float32Array.from(fx.input);
    const weights = oneHot(fx.targets, fx.numClasses);

    async function explain(targets: string[], batch = input, tw = weights): Promise<ExplainRun> {
      const explainer = await ExplainSession.create(nodeRuntime(), model(), { targets, inputShape: fx.inputShape });
      try {
        assert.equal(explainer.model.numClasses, fx.numClasses);
        return await explainer.run(batch, tw);
      } finally {
        await explainer.release();
      }
    }

    for (const layer of fx.layers) {
      it(`${fx.model}, ${layer.id} layer '${layer.tensor}' (module ${layer.module}) alone: logits, A, dA, Grad-CAM`, async (t) => {
        const run = await explain([layer.tensor]);
        checkRel(t, run.scores, fx.logits, TOL, `${fx.model}: logits`);
        assert.equal(run.layers.length, 1);
        checkLayer(t, fx, run, layer);
      });
    }

    it(`${fx.model}, both layers at once (${fx.layers.map((l) => `${l.id} '${l.tensor}'`).join(', ')})`, async (t) => {
      const run = await explain(fx.layers.map((l) => l.tensor));
      checkRel(t, run.scores, fx.logits, TOL, `${fx.model}: logits`);
      assert.deepEqual(
        run.layers.map((l) => l.tensor),
        fx.layers.map((l) => l.tensor),
      );
      for (const layer of fx.layers) checkLayer(t, fx, run, layer);
    });

    it(`${fx.model}, ${fx.layers[0].id} layer: the second image explained alone gives the same result as in the batch`, async (t) => {
      const layer = fx.layers[0];
      const per = input.length / 2;
      const run = await explain([layer.tensor], input.subarray(per), weights.subarray(fx.numClasses));
      checkRel(t, run.scores, fx.logits.slice(fx.numClasses), TOL, `${fx.model}: logits of image 2`);
      const half = layer.activation.length / 2;
      const got = run.layers[0];
      assert.deepEqual(got.dims, [1, ...layer.dims.slice(1)]);
      checkRel(t, got.activation, layer.activation.slice(half), TOL, `${fx.model} ${layer.id}: A of image 2`);
      const raw = gradCam(got);
      checkRel(t, raw.data, layer.rawCam.slice(layer.rawCam.length / 2), TOL, `${fx.model} ${layer.id}: raw map of image 2`);
    });

    it(`${fx.model}: a zero row of target weights explains that image's predicted class (chosen in the graph)`, async () => {
      const layer = fx.layers[0];
      const k = fx.numClasses;
      const predicted = [0, 1].map((n) => {
        const row = fx.logits.slice(n * k, (n + 1) * k);
        return row.indexOf(Math.max(...row));
      });
      const auto = new Float32Array(weights);
      auto.fill(0, 0, k); // image 0: predicted class; image 1 keeps its one-hot target
      const got = await explain([layer.tensor], input, auto);
      const expected = await explain([layer.tensor], input, oneHot([predicted[0], fx.targets[1]], k));
      assert.ok(
        expected.layers[0].gradient.some((v) => v !== 0),
        'the reference gradient is not all zero',
      );
      assert.deepEqual(got.layers[0].gradient, expected.layers[0].gradient);
      assert.deepEqual(got.scores, expected.scores);
    });

    it(`${fx.model}: the explain model's scores equal a plain onnxruntime run of the original model`, async (t) => {
      const runtime = nodeRuntime();
      const session = await runtime.createSession(model().bytes);
      let plain: Float32Array;
      try {
        const out = await session.run({ [session.inputNames[0]]: { type: 'float32', dims: fx.inputShape, data: input } }, [
          session.outputNames[0],
        ]);
        plain = out[session.outputNames[0]].data as Float32Array;
      } finally {
        await session.release();
      }
      for (const targets of [fx.layers.map((l) => l.tensor), ...fx.layers.map((l) => [l.tensor])]) {
        const run = await explain(targets);
        const { err } = relError(run.scores, plain);
        t.diagnostic(`${fx.model} [${targets.join(', ')}]: scores vs plain run, max relative difference ${err.toExponential(2)}`);
        assert.ok(err <= 1e-6, `${fx.model} [${targets.join(', ')}]: scores differ from the plain run by ${err} (relative)`);
      }
    });
  });
}

describe('the final-map references', () => {
  it("tell pytorch-grad-cam's order from the convention that stops after the upsample", () => {
    assert.ok(upsampleOnlyErrors.length > 0, 'no final map was checked');
    const worst = Math.max(...upsampleOnlyErrors);
    assert.ok(worst > 100 * TOL, `the upsample-only convention is at most ${worst} off: the references cannot tell it apart`);
  });
});
