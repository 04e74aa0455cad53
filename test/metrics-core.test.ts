/**
 * The metrics' building blocks against independent values: ROAD's imputation against a dense least-squares solve of the
 * same system (numpy, test/fixtures/metrics/imputation.json), and hand-computed percentiles, removals, rankings, step
 * schedules, AUCs and localisation scores.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { noisyLinearImpute } from '../src/metrics/imputation.js';
import { mostRelevantFirst, percentile } from '../src/metrics/ranking.js';
import { roadRemoved } from '../src/metrics/road-removal.js';
import { stepCounts, trapezoidAuc } from '../src/metrics/causal.js';
import { pointing } from '../src/metrics/pointing.js';
import { energyPointing } from '../src/metrics/energy-pointing.js';
import { DEFAULT_SETTINGS, type MetricRow } from '../src/metrics/metric.js';
import { roadMorf } from '../src/metrics/road-morf.js';
import { perturbationValues, type Scorer } from '../src/metrics/scoring.js';

const IMPUTATION = JSON.parse(readFileSync(new URL('fixtures/metrics/imputation.json', import.meta.url), 'utf8')) as {
  height: number;
  width: number;
  channels: number;
  image: number[];
  cases: { name: string; removed: number[]; imputed: number[] }[];
};

describe('noisy linear imputation', () => {
  for (const c of IMPUTATION.cases)
    it(`equals a dense solve: ${c.name}`, () => {
      const { height: h, width: w, image } = IMPUTATION;
      const removed = Uint8Array.from(c.removed);
      const got = noisyLinearImpute(image, removed, h, w, 0, 0);
      let worst = 0;
      got.image.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.imputed[i]))));
      assert.ok(worst < 1e-9, `max |Δ| ${worst}`);
      assert.equal(got.allRemoved, c.name === 'all removed');
    });

  it('adds seeded noise of the given spread to the removed pixels only', () => {
    const h = 40;
    const w = 50;
    const image = new Float64Array(h * w).fill(0.25);
    const removed = Uint8Array.from({ length: h * w }, (_, p) => (p % w >= 10 && p % w < 40 ? 1 : 0));
    const a = noisyLinearImpute(image, removed, h, w, 0.01, 7).image;
    const b = noisyLinearImpute(image, removed, h, w, 0.01, 7).image;
    const other = noisyLinearImpute(image, removed, h, w, 0.01, 8).image;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, other);
    const dev = [...a].filter((_, p) => removed[p]).map((v) => v - 0.25);
    const sd = Math.sqrt(dev.reduce((s, d) => s + d * d, 0) / dev.length);
    assert.ok(Math.abs(sd - 0.01) < 0.001, `spread ${sd}`);
    a.forEach((v, p) => removed[p] || assert.equal(v, 0.25));
  });
});

describe('ROAD removal at a percentile', () => {
  const map = Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]);
  it('percentile interpolates between ranks as NumPy does', () => {
    // rank 0.8·4 = 3.2: 0.4 + (0.5 − 0.4)·0.2 = 0.42; rank 1.5 on [0, 0, 0, 1] lies between two zeros.
    assert.equal(percentile(map, 80), Math.fround(Math.fround(0.4) + Math.fround(0.5 - Math.fround(0.4)) * (0.8 * 4 - 3)));
    assert.equal(percentile(Float32Array.from([0, 1, 0, 0]), 50), 0);
    assert.equal(percentile(map, 0), Math.fround(0.1));
    assert.equal(percentile(map, 100), Math.fround(0.5));
  });
  it('MoRF 80 removes values at or above the 80th percentile', () => {
    assert.deepEqual([...roadRemoved(map, 'morf', 80)], [0, 0, 0, 0, 1]);
  });
  it('LeRF 20 removes values whose 1 − map is at or above its 20th percentile', () => {
    // 1 − map sorted: 0.5 … 0.9; rank 0.8 gives 0.58: 1 − map ≥ 0.58 for 0.1 … 0.4.
    assert.deepEqual([...roadRemoved(map, 'lerf', 20)], [1, 1, 1, 1, 0]);
  });
  it('a map whose lower half is one value removes everything at a low MoRF percentile', () => {
    assert.deepEqual([...roadRemoved(Float32Array.from([0, 0, 0, 1]), 'morf', 50)], [1, 1, 1, 1]);
  });
});

describe('deletion and insertion schedule', () => {
  it('ranks by decreasing value, ties in row-major order', () => {
    assert.deepEqual([...mostRelevantFirst([0.5, 1, 0.5, 1])], [1, 3, 0, 2]);
  });
  it('takes ⌈HW / steps⌉ pixels per step, the last step partial', () => {
    assert.deepEqual(stepCounts(10, 3), [0, 4, 8, 10]);
    assert.deepEqual(stepCounts(8, 4), [0, 2, 4, 6, 8]);
    assert.equal(stepCounts(224 * 224, 20).length, 21);
  });
  it('integrates by the trapezoid rule over [0, 1]', () => {
    assert.equal(trapezoidAuc([1, 0.5, 0]), 0.5);
    assert.equal(trapezoidAuc([0, 1]), 0.5);
    assert.ok(Math.abs(trapezoidAuc([1, 0.25, 0.25, 1]) - (0.625 + 0.25 + 0.625) / 3) < 1e-15);
  });
});

describe('pointing games', () => {
  const w = 10;
  const map = new Float32Array(100);
  map[2 * w + 7] = 1; // the peak, pixel (7, 2), centre (7.5, 2.5)
  map[8 * w + 1] = 0.5;
  map[8 * w + 2] = 0.5;
  const s = { ...DEFAULT_SETTINGS, pointingTolerance: 0 };
  const row = (regions: Parameters<typeof pointing.value>[0]['regions']) => ({ map, width: w, height: 10, regions });
  it('hits when the peak is in a box of the class, within the tolerance', () => {
    assert.equal(pointing.value(row([{ box: [6, 1, 9, 4] }]), s).value, 1);
    assert.equal(pointing.value(row([{ box: [0, 0, 3, 3] }]), s).value, 0);
    // From (7.5, 2.5) to the box's right edge x = 3: 4.5 pixels.
    assert.equal(pointing.value(row([{ box: [0, 0, 3, 3] }]), { ...s, pointingTolerance: 4.4 }).value, 0);
    assert.equal(pointing.value(row([{ box: [0, 0, 3, 3] }]), { ...s, pointingTolerance: 4.5 }).value, 1);
    assert.equal(pointing.value(row([{ box: [0, 0, 3, 3] }, { box: [7, 2, 8, 3] }]), s).value, 1);
  });
  it('reads masks as well as boxes', () => {
    const mask = new Uint8Array(100);
    mask[2 * w + 7] = 1;
    assert.equal(pointing.value(row([{ mask, width: w, height: 10 }]), s).value, 1);
    mask[2 * w + 7] = 0;
    mask[2 * w + 4] = 1;
    assert.equal(pointing.value(row([{ mask, width: w, height: 10 }]), s).value, 0);
    assert.equal(pointing.value(row([{ mask, width: w, height: 10 }]), { ...s, pointingTolerance: 3 }).value, 1);
  });
  it('energy: the share of the map inside the regions', () => {
    // Total 2; the box [0, 7, 3, 9] holds the centres (1.5, 8.5) and (2.5, 8.5): 0.5 + 0.5; [0, 7, 2, 9] only the first.
    assert.equal(energyPointing.value(row([{ box: [0, 7, 3, 9] }]), s).value, 0.5);
    assert.equal(energyPointing.value(row([{ box: [0, 7, 2, 9] }]), s).value, 0.25);
    assert.equal(energyPointing.value(row([{ box: [0, 7, 3, 9] }, { box: [7, 2, 8, 3] }]), s).value, 1);
    assert.equal(energyPointing.value(row([{ box: [3, 3, 5, 5] }]), s).value, 0);
    const blank = energyPointing.value({ map: new Float32Array(100), width: w, height: 10, regions: [{ box: [0, 0, 9, 9] }] }, s);
    assert.equal(blank.value, 0);
    assert.ok(blank.note);
  });
});

describe('ROAD noise', () => {
  // A model whose score is the mean of its input: the effect of the noise is its mean over the removed pixels.
  const h = 16;
  const w = 16;
  const row: MetricRow = {
    input: Float32Array.from({ length: 3 * h * w }, (_, i) => Math.sin(i)),
    channels: 3,
    height: h,
    width: w,
    map: Float32Array.from({ length: h * w }, (_, p) => (p % w) / w),
    classIndex: 0,
    image: 0,
  };
  const scorer: Scorer = {
    run: async (x) =>
      Float32Array.from(
        { length: x.length / row.input.length },
        (_, i) => row.input.reduce((a, _v, j) => a + x[i * row.input.length + j], 0) / row.input.length,
      ),
    numClasses: 1,
    activation: 'none',
    batchSize: 4,
  };
  const value = async (roadNoise: number, seed: number, morfPercentile = 80) =>
    (
      await perturbationValues(row, [roadMorf], { ...DEFAULT_SETTINGS, score: 'logit', roadNoise, seed, morfPercentile }, scorer)
    )[0].value;
  it('is seeded, reproducible and small; any percentile in (0, 100) works', async () => {
    const clean = await value(0, 0);
    assert.equal(await value(0.01, 1), await value(0.01, 1));
    assert.notEqual(await value(0.01, 1), await value(0.01, 2));
    assert.notEqual(await value(0.01, 1), clean);
    assert.ok(Math.abs((await value(0.01, 1)) - clean) < 0.01);
    assert.ok(Number.isFinite(await value(0.01, 1, 12.5)));
  });
});
