/**
 * gcam evaluate's metric loop against the same loop in PyTorch (tools/bench/metrics_torch.py: torch forward batches of
 * 16 under no_grad, SciPy's spsolve for ROAD's imputation, as pytorch-grad-cam's metrics run), per image, on the same
 * inputs and Grad-CAM maps: confidence change, deletion and insertion (20 steps), ROAD at 10…90 both ways (noise 0).
 * The gcam time includes computing the map (one explain run); the PyTorch side is given gcam's maps.
 *
 *   node --import tsx bench/evaluate.ts [--model resnet50] [--images 3] [--threads 2]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createImageExplainer, encodeNpy, evaluate } from '../src/node.js';
import { CACHE, PYTHON, ROOT, loadAvg, machine, median, pseudoRandomNormal, pythonEnv, readManifest } from './lib.js';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'resnet50' },
    images: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
  },
});
const threads = Number(values.threads);
const n = Number(values.images);
const entry = readManifest()[values.model!];
if (!entry)
  throw new Error(`no model '${values.model}' in .cache/bench/manifest.json: run /usr/bin/python3 tools/export_bench_models.py`);
const [c, h, w] = entry.input;
const ex = await createImageExplainer(join(CACHE, entry.onnx));
const tensors = Array.from({ length: n }, (_, i) => ({
  tensor: pseudoRandomNormal(c * h * w, 100 + i),
  dims: [c, h, w],
  name: `x${i}`,
}));
const metrics = ['drop', 'increase', 'deletion', 'insertion', 'road'];
const common = { layers: [entry.last], preprocess: 'none' as const, threads };
// Warm-up: the explain and forward sessions compiled before anything is timed.
await evaluate(ex, tensors.slice(0, 1), { ...common, metrics: ['drop'] });
const gcamSeconds: number[] = [];
const gcamValues: Record<string, number>[] = [];
for (const t of tensors) {
  const t0 = performance.now();
  const ev = await evaluate(ex, [t], { ...common, metrics, roadNoise: 0 });
  gcamSeconds.push((performance.now() - t0) / 1000);
  gcamValues.push(ev.rows[0].values);
}
const results = await ex.explain(tensors, common);
await ex.release();
const dir = join(CACHE, 'evaluate');
mkdirSync(dir, { recursive: true });
const stack = (xs: Float32Array[]) => {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const x of xs) out.set(x, (at += x.length) - x.length);
  return out;
};
writeFileSync(join(dir, 'inputs.npy'), encodeNpy(stack(tensors.map((t) => t.tensor)), [n, c, h, w]));
writeFileSync(join(dir, 'maps.npy'), encodeNpy(stack(results.map((r) => r.inputMap)), [n, h, w]));
writeFileSync(join(dir, 'classes.json'), JSON.stringify(results.map((r) => r.classIndex)));
const torch = JSON.parse(
  execFileSync(
    PYTHON,
    [
      join(ROOT, 'tools/bench/metrics_torch.py'),
      join(CACHE, entry.state_dict),
      entry.arch,
      join(dir, 'inputs.npy'),
      join(dir, 'maps.npy'),
      join(dir, 'classes.json'),
      String(threads),
    ],
    { env: pythonEnv(threads), encoding: 'utf8', maxBuffer: 1 << 24 },
  ),
) as { seconds: number[]; values: Record<string, number>[] };
console.log(`${machine()}; load average ${loadAvg()}; ${values.model}, ${n} images, ${threads} threads`);
console.log('| | s per image (median) | per image |');
console.log('|---|---:|---|');
console.log(`| gcam evaluate | ${median(gcamSeconds).toFixed(2)} | ${gcamSeconds.map((s) => s.toFixed(2)).join(', ')} |`);
console.log(`| PyTorch loop | ${median(torch.seconds).toFixed(2)} | ${torch.seconds.map((s) => s.toFixed(2)).join(', ')} |`);
console.log(`PyTorch / gcam: ${(median(torch.seconds) / median(gcamSeconds)).toFixed(2)}×`);
for (const key of ['drop', 'deletion', 'insertion', 'road'])
  console.log(
    `${key}: max |gcam − torch| = ${Math.max(...gcamValues.map((v, i) => Math.abs(v[key] - torch.values[i][key]))).toExponential(2)}`,
  );
