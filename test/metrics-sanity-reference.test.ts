/**
 * The sanity check (cascading randomisation, src/metrics/randomise.ts + evaluate()) against the float64 reference of
 * tools/gen_metrics_reference.py (test/fixtures/metrics/sanity.json): its Python port of the seeded generator draws
 * the same numbers, rewrites the same initializers in the same cascade order to the same float32 values, and its
 * float64 Grad-CAM maps after each step (autograd on the ONNX graph) give Spearman ρ with the original maps that
 * gcam's evaluate() matches within 1e-5, per step and in the mean, on the three fixture CNNs (full cascades) and on
 * SqueezeNet 1.1 (two photos, the first 6 of its 26 steps). The check fails for another seed or cascade order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createImageExplainer, decodeModel, loadModel, type ImageSource } from '../src/node.js';
import { GraphView } from '../src/onnx/graph.js';
import { readTensor } from '../src/onnx/tensor.js';
import { evaluate, type Evaluation } from '../src/metrics/evaluate.js';
import { cascadeSteps, randomisedBytes, type CascadeStep } from '../src/metrics/randomise.js';
import { Prng } from '../src/scenes/prng.js';
import { SHARED, needsShared, SQUEEZENET } from './helpers/shared.js';

interface WeightCheck {
  first: number[];
  sum: number;
  changed: number;
}
interface SanityModel {
  model: string;
  onnx: string;
  input?: string;
  sources?: string[];
  steps: CascadeStep[];
  layers: string[];
  targets: number[];
  weights: Record<string, WeightCheck>;
  rows: { image: number; layer: string; class: number; rho: number[]; value: number }[];
}
interface SanityReference {
  seed: number;
  stream: number;
  draws: { u32: number[]; float: number[] };
  models: SanityModel[];
}

const ROOT = new URL('../', import.meta.url);
const REF = JSON.parse(readFileSync(new URL('test/fixtures/metrics/sanity.json', ROOT), 'utf8')) as SanityReference;
const TOL = 1e-5;

function pathOf(m: SanityModel): string {
  return m.onnx.startsWith('../shared/') ? SHARED + m.onnx.slice('../shared/'.length) : new URL(m.onnx, ROOT).pathname;
}

/** The model inputs as tensors: the e2e fixture's batch, or the photos as Caffe-style tensors (BGR, 0–255). */
async function inputsOf(m: SanityModel): Promise<ImageSource[]> {
  if (m.input) {
    const fx = JSON.parse(readFileSync(new URL(m.input, ROOT), 'utf8')) as { inputShape: number[]; input: number[] };
    const [n, ...chw] = fx.inputShape;
    const per = chw.reduce((a, b) => a * b, 1);
    return Array.from({ length: n }, (_, i) => ({
      tensor: Float32Array.from(fx.input.slice(i * per, (i + 1) * per)),
      dims: chw,
    }));
  }
  return Promise.all(
    m.sources!.map(async (s) => {
      const { data, info } = await sharp(new URL(s, ROOT).pathname).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const hw = info.width * info.height;
      const x = new Float32Array(3 * hw);
      for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) x[c * hw + p] = data[p * 3 + (2 - c)];
      return { tensor: x, dims: [3, info.height, info.width] };
    }),
  );
}

async function sanityOf(m: SanityModel, seed: number, steps = m.steps.length): Promise<Evaluation> {
  const ex = await createImageExplainer(pathOf(m));
  try {
    return await evaluate(ex, await inputsOf(m), {
      preprocess: 'none',
      metrics: ['sanity'],
      layers: m.layers,
      classesPerImage: m.targets.map((t) => [t]),
      sanitySteps: steps,
      seed,
    });
  } finally {
    await ex.release();
  }
}

/** Largest |gcam − reference| over the rows' ρ per step; each must be within `tol`, or the first miss is reported. */
function compareRho(ev: Evaluation, m: SanityModel, steps: number, tol: number): { worst: number; miss?: string } {
  let worst = 0;
  for (const ref of m.rows) {
    const row = ev.rows.find((r) => r.image === ref.image && r.layer === ref.layer);
    assert.ok(row, `${m.model}: no row for image ${ref.image} at ${ref.layer}`);
    assert.equal(row.classIndex, ref.class);
    const y = row.curves.sanity.sanity.y;
    assert.equal(y.length, steps);
    for (let k = 0; k < steps; k++) {
      const d = Math.abs(y[k] - ref.rho[k]);
      worst = Math.max(worst, d);
      if (!(d <= tol)) return { worst, miss: `image ${ref.image} ${ref.layer} step ${k + 1}: ρ ${y[k]} vs ${ref.rho[k]}` };
    }
    if (steps === m.steps.length) {
      const d = Math.abs(row.values.sanity - ref.value);
      worst = Math.max(worst, d);
      if (!(d <= tol)) return { worst, miss: `image ${ref.image} ${ref.layer} mean ρ ${row.values.sanity} vs ${ref.value}` };
    }
  }
  return { worst };
}

/** The rewritten initializers against the reference's: first values bit for bit, sums, how many values changed. */
function weightMisses(m: SanityModel, steps: readonly CascadeStep[], seed: number): string[] {
  const decoded = loadModel(pathOf(m));
  const view = new GraphView(decoded.proto);
  const rewritten = new GraphView(decodeModel(randomisedBytes(decoded, view, steps, seed)).proto);
  const misses: string[] = [];
  for (const [name, ref] of Object.entries(m.weights)) {
    const got = readTensor(rewritten.initializers.get(name)!).values;
    const was = readTensor(view.initializers.get(name)!).values;
    let sum = 0;
    let scale = 0;
    let changed = 0;
    for (let i = 0; i < got.length; i++) {
      sum += got[i];
      scale += Math.abs(got[i]);
      if (got[i] !== was[i]) changed++;
    }
    if (ref.first.some((v, i) => v !== got[i])) misses.push(`${name}: first values ${[...got.slice(0, 4)]} vs ${ref.first}`);
    else if (Math.abs(sum - ref.sum) > 1e-12 * scale) misses.push(`${name}: sum ${sum} vs ${ref.sum}`);
    else if (changed !== ref.changed) misses.push(`${name}: ${changed} values changed vs ${ref.changed}`);
  }
  return misses;
}

describe('sanity check against the float64 reference', () => {
  it("draws the reference's numbers from the seeded generator", () => {
    const rng = new Prng(REF.seed, REF.stream);
    assert.deepEqual(
      REF.draws.u32.map(() => rng.u32()),
      REF.draws.u32,
    );
    assert.deepEqual(
      REF.draws.float.map(() => rng.float()),
      REF.draws.float,
    );
  });

  for (const m of REF.models) {
    const shared = m.onnx.startsWith('../shared/');
    it(m.model, shared ? needsShared(SQUEEZENET) : {}, async () => {
      const view = new GraphView(loadModel(pathOf(m)).proto);
      const steps = cascadeSteps(view).slice(0, m.steps.length);
      assert.deepEqual(steps, m.steps, `${m.model}: cascade order and initializers`);
      assert.deepEqual(weightMisses(m, steps, REF.seed), [], `${m.model}: rewritten weights`);
      // Another order draws other numbers for the same tensors: the weight check sees it.
      assert.notDeepEqual(weightMisses(m, [...steps].reverse(), REF.seed), []);
      const ev = await sanityOf(m, REF.seed);
      assert.deepEqual(
        ev.sanityLayers,
        m.steps.map((s) => s.layer),
      );
      const { worst, miss } = compareRho(ev, m, m.steps.length, TOL);
      assert.equal(miss, undefined, `${m.model}: ${miss}`);
      console.log(`${m.model}: ${m.steps.length} steps, ${m.rows.length} rows, max |Δρ| ${worst.toExponential(1)}`);
    });
  }

  it('fails for another seed', async () => {
    const m = REF.models.find((x) => x.model === 'resnet')!;
    const ev = await sanityOf(m, REF.seed + 1, 2);
    assert.notEqual(compareRho(ev, m, 2, TOL).miss, undefined, 'seed + 1 matched the reference');
  });
});
