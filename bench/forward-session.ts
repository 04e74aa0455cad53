/**
 * Score-CAM and Eigen-CAM through the forward session against an earlier checkout of gcam that ran them on the explain
 * model, side by side in one process: the rounds interleave the two, on the same image and settings.
 *
 *   git worktree add /tmp/gcam-before <commit> && ln -s "$PWD/node_modules" /tmp/gcam-before/node_modules
 *   node --import tsx bench/forward-session.ts /tmp/gcam-before [--rounds 3]
 *
 * Model: ../shared's SqueezeNet 1.1 (Caffe input), layer fire9/concat_1 (512 channels): Score-CAM runs 512 masked
 * inputs per image. Prints how far apart the two layer maps are (the same within 1e-6 expected) and the time per image.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadAvg, machine, maxAbsDiff, ms, spread, ratio, median, ROOT } from './lib.js';

type Tensor = { tensor: Float32Array; dims: number[] };
interface Lib {
  createImageExplainer(model: string): Promise<{
    explain(images: Tensor[], options: Record<string, unknown>): Promise<{ layerMap: Float32Array; classIndex: number }[]>;
    release(): Promise<void>;
  }>;
}

const before = process.argv[2];
if (!before) throw new Error('usage: bench/forward-session.ts <checkout of the earlier gcam> [--rounds N]');
const ri = process.argv.indexOf('--rounds');
const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 3;
const MODEL = join(ROOT, '..', 'shared', 'models', 'squeezenet1.1', 'squeezenet1.1.onnx');
const IMAGE = join(ROOT, '..', 'shared', 'images', 'chelsea.png');
const options = { preprocess: 'none', layers: ['fire9/concat_1'], threads: 2 };
// Both are fed the same tensor (the photo preprocessed once), so that only the method's runs differ.
const { readImage } = await import('../src/image/io-node.js');
const { prepareImage, preset } = await import('../src/image/preprocess.js');
const input: Tensor = { tensor: prepareImage(await readImage(IMAGE), preset('caffe'), 3).tensor, dims: [3, 224, 224] };

const libs: [string, Lib][] = [
  ['before (explain model)', (await import(pathToFileURL(join(before, 'src', 'node.ts')).href)) as Lib],
  ['after (forward session)', (await import(pathToFileURL(join(ROOT, 'src', 'node.ts')).href)) as Lib],
];
console.log(`${machine()}; load ${loadAvg()}; ${rounds} rounds`);
for (const method of ['scorecam', 'eigencam']) {
  const times = libs.map(() => [] as number[]);
  const maps: Float32Array[] = [];
  const explainers = await Promise.all(libs.map(([, lib]) => lib.createImageExplainer(MODEL)));
  // One warm-up call each: session creation is not what is compared.
  for (const ex of explainers) await ex.explain([input], { ...options, method });
  for (let r = 0; r < rounds; r++)
    for (const [i, ex] of explainers.entries()) {
      const t0 = performance.now();
      const [res] = await ex.explain([input], { ...options, method });
      times[i].push(performance.now() - t0);
      maps[i] = res.layerMap;
    }
  for (const ex of explainers) await ex.release();
  const diff = maxAbsDiff(maps[0], maps[1]);
  console.log(`\n${method}: layer maps differ by ${diff.toExponential(2)}`);
  libs.forEach(([name], i) => console.log(`  ${name}: ${spread(times[i])} per image`));
  console.log(
    `  before/after: ${ratio(median(times[0]) / median(times[1]))}× (${ms(median(times[0]))} → ${ms(median(times[1]))})`,
  );
}
console.log(`\nload after: ${loadAvg()}`);
