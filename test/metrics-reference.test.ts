/**
 * The perturbation metrics (src/metrics) against float64 references computed from the papers' formulas by
 * tools/gen_metrics_reference.py (torch, numpy, scipy): the three fixture CNNs of test/fixtures/e2e with their Grad-CAM
 * maps, and SqueezeNet 1.1 on two photos with integer-built maps (many ties). Probabilities within 1e-5 (ROAD without
 * noise), curves point by point too, and the number of pixels ROAD removes at each percentile exactly; Average Drop % is 100·drop / score, so its tolerance is 100·1e-5 / score. Logits
 * (up to ±40 here) within 1e-5 relative to their size: onnxruntime runs in float32, whose resolution at 35 is 4e-6.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { ForwardSession } from '../src/runtime/forward-session.js';
import { loadModel, nodeRuntime } from '../src/node.js';
import { GraphView } from '../src/onnx/graph.js';
import { METRICS } from '../src/metrics/index.js';
import { DEFAULT_SETTINGS, type MetricRow, type MetricSettings, type PerturbationMetric } from '../src/metrics/metric.js';
import { roadRemoved } from '../src/metrics/road-removal.js';
import { scoreRequests, valuesFromScores, type Scorer } from '../src/metrics/scoring.js';
import { SHARED, needsShared, SQUEEZENET } from './helpers/shared.js';

interface RefValues {
  original: number;
  drop: number;
  increase: number;
  'avg-drop': number;
  'road-morf': number;
  'road-lerf': number;
  'road-morf-avg': number;
  'road-lerf-avg': number;
  road: number;
  morf: number[];
  lerf: number[];
  deletion: number;
  insertion: number;
  deletionCurve: number[];
  insertionCurve: number[];
}
interface RefRow {
  image: number;
  layer?: string;
  source?: string;
  cones?: [number, number, number][];
  class: number;
  values: { prob: RefValues; logit: RefValues; removed: { morf: number[]; lerf: number[] } };
}
interface RefModel {
  model: string;
  onnx: string;
  input?: string;
  rows: RefRow[];
}

const ROOT = new URL('../', import.meta.url);
const REF = JSON.parse(readFileSync(new URL('test/fixtures/metrics/reference.json', ROOT), 'utf8')) as { models: RefModel[] };
const PERTURBATION = METRICS.filter((m): m is PerturbationMetric => m.kind === 'perturbation');
const TOL = 1e-5;

/** The maps of tools/gen_metrics_reference.py's cone_map, by the same integer arithmetic. */
function coneMap(h: number, w: number, cones: readonly [number, number, number][]): Float32Array {
  const map = new Float32Array(h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let level = 0;
      for (const [cy, cx, r] of cones)
        level = Math.max(level, 255 - Math.floor((255 * ((y - cy) ** 2 + (x - cx) ** 2)) / (r * r)));
      map[y * w + x] = Math.max(level, 0) / 255;
    }
  return map;
}

/** A Caffe-style tensor (BGR, 0–255) of a 224×224 image file. */
async function caffeTensor(path: string): Promise<Float32Array> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const hw = info.width * info.height;
  const x = new Float32Array(3 * hw);
  for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) x[c * hw + p] = data[p * 3 + (2 - c)];
  return x;
}

async function rowsOf(m: RefModel): Promise<MetricRow[]> {
  if (m.input) {
    const fx = JSON.parse(readFileSync(new URL(m.input, ROOT), 'utf8')) as {
      inputShape: number[];
      input: number[];
      layers: { id: string; finalCam: number[] }[];
    };
    const [, c, h, w] = fx.inputShape;
    return m.rows.map((r) => {
      const cam = fx.layers.find((l) => l.id === r.layer)!.finalCam;
      return {
        input: Float32Array.from(fx.input.slice(r.image * c * h * w, (r.image + 1) * c * h * w)),
        channels: c,
        height: h,
        width: w,
        map: Float32Array.from(cam.slice(r.image * h * w, (r.image + 1) * h * w)),
        classIndex: r.class,
        image: r.image,
      };
    });
  }
  return Promise.all(
    m.rows.map(async (r) => ({
      input: await caffeTensor(new URL(r.source!, ROOT).pathname),
      channels: 3,
      height: 224,
      width: 224,
      map: coneMap(224, 224, r.cones!),
      classIndex: r.class,
      image: r.image,
    })),
  );
}

/** Absolute for probabilities, relative for logits; for a ratio to the score (avg-drop), scaled by 100 / score. */
function tolerance(score: 'prob' | 'logit', expected: number, ratioTo?: number): number {
  if (score === 'logit') return TOL * Math.max(1, Math.abs(expected));
  return ratioTo === undefined ? TOL : (100 * TOL) / ratioTo;
}

function close(actual: number, expected: number, tol: number, what: string): number {
  const d = Math.abs(actual - expected);
  assert.ok(d <= tol, `${what}: ${actual} vs reference ${expected} (|Δ| ${d.toExponential(2)} > ${tol})`);
  return d;
}

async function checkModel(m: RefModel, path: string): Promise<void> {
  const decoded = loadModel(path);
  const view = new GraphView(decoded.proto);
  const rows = await rowsOf(m);
  const { channels, height, width } = rows[0];
  const session = await ForwardSession.create(nodeRuntime(), decoded, view, { inputShape: [1, channels, height, width] });
  const scorer: Scorer = {
    run: (x) => session.scores(x),
    numClasses: 0,
    activation: session.model.outputActivation,
    batchSize: 16,
  };
  scorer.numClasses = (await session.scores(rows[0].input)).length;
  const worst: Record<string, number> = {};
  try {
    for (const [i, row] of rows.entries()) {
      // Which pixels ROAD removes is decided by float32 ties with the threshold: the counts must match exactly.
      for (const order of ['morf', 'lerf'] as const)
        assert.deepEqual(
          DEFAULT_SETTINGS.roadPercentiles.map((p) => roadRemoved(row.map, order, p).reduce((a, b) => a + b, 0)),
          m.rows[i].values.removed[order],
          `${m.model} row ${i} pixels removed by ${order}`,
        );
      // The copies do not depend on the score: scored once, read both ways.
      const base: MetricSettings = { ...DEFAULT_SETTINGS, roadNoise: 0 };
      const scored = await scoreRequests(
        row,
        PERTURBATION.flatMap((m) => m.requests(row, base)),
        scorer,
      );
      for (const score of ['prob', 'logit'] as const) {
        const settings: MetricSettings = { ...base, score };
        const got = valuesFromScores(row, PERTURBATION, settings, scored, scorer.activation);
        const ref = m.rows[i].values[score];
        const at = `${m.model} row ${i} ${score}`;
        for (const [j, metric] of PERTURBATION.entries()) {
          const name = metric.name as keyof RefValues;
          const expected = ref[name] as number;
          const tol = tolerance(score, expected, name === 'avg-drop' ? ref.original : undefined);
          const d = close(got[j].value, expected, tol, `${at} ${name}`);
          worst[`${name} ${score}`] = Math.max(worst[`${name} ${score}`] ?? 0, d);
          const curves = got[j].curves ?? {};
          const curveRef: Record<string, number[]> = {
            morf: ref.morf,
            lerf: ref.lerf,
            deletion: ref.deletionCurve,
            insertion: ref.insertionCurve,
          };
          for (const [k, curve] of Object.entries(curves)) {
            assert.equal(curve.y.length, curveRef[k].length, `${at} ${k} curve length`);
            curve.y.forEach((y, p) => close(y, curveRef[k][p], tolerance(score, curveRef[k][p]), `${at} ${k}[${p}]`));
          }
        }
      }
    }
  } finally {
    await session.release();
  }
  console.log(
    `${m.model}: max |Δ| ` +
      Object.entries(worst)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', '),
  );
}

describe('perturbation metrics against float64 references', () => {
  for (const m of REF.models) {
    const shared = m.onnx.startsWith('../shared/');
    const rel = shared ? m.onnx.slice('../shared/'.length) : m.onnx;
    it(m.model, shared ? needsShared(SQUEEZENET) : {}, async () => {
      await checkModel(m, shared ? SHARED + rel : new URL(rel, ROOT).pathname);
    });
  }
});
