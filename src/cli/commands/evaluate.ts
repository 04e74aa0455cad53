/**
 * `gcam evaluate`: the faithfulness of each method's maps (src/metrics). The destinations are checked first, the
 * inputs explained by every method and scored by every metric (progress on stderr), then the table and the
 * recommendation are printed and the JSON (every per-image value and curve), the CSV (per-image values) and the
 * figures (mean curves per method, PNG) written all or nothing.
 */
import { join } from 'node:path';
import sharp from 'sharp';
import {
  createImageExplainer,
  evaluate,
  InvalidOptionError,
  type EvaluateOptions,
  type Evaluation,
  type MethodName,
} from '../../node.js';
import { builtinModel } from '../../builtin.js';
import { parseLabels } from '../../labels/labels.js';
import { chartSvg } from '../../metrics/plot.js';
import { curveCharts, perImageCsv, recommendationLines, summaryTable } from '../../metrics/report.js';
import { USAGE_HINT, UsageError, intOption, numberOption, preprocessOverrides, type Parsed } from '../args.js';
import { annotationsFor } from '../boxes.js';
import { userModel } from '../errors.js';
import { expandInputs } from '../input-list.js';
import { keepFitting, loadInputs, readText } from '../inputs.js';
import { commitOutputs, type OutputFile } from '../output/commit.js';
import { checkDistinct, checkFile, checkFolder } from '../output/destination.js';
import { jsonFile } from '../output/encode.js';

/** evaluate()'s own options and the flags that set them, for messages. */
const FLAGS: Record<string, string> = {
  methods: '--method',
  metrics: '--metrics',
  score: '--score',
  steps: '--steps',
  morfPercentile: '--morf-percentile',
  lerfPercentile: '--lerf-percentile',
  roadNoise: '--road-noise',
  seed: '--seed',
  pointingTolerance: '--tolerance',
  sanitySteps: '--sanity-steps',
  annotations: '--boxes',
};

export async function cmdEvaluate(p: Parsed): Promise<number> {
  const v = p.values;
  if (p.rest.length === 0) throw new UsageError(`gcam evaluate needs at least one image.\n${USAGE_HINT}`);
  if (v.class && v['top-k']) throw new UsageError('Use either --class or --top-k, not both.');
  const builtin = v.model ? undefined : builtinModel();
  const folders = destinations(v.json, v.csv, v.out);
  const labels = v.labels ? parseLabels(readText(v.labels), `labels file '${v.labels}'`) : builtin?.labels;
  const list = (s: string | undefined) => s?.split(',').map((x) => x.trim());
  const options: EvaluateOptions = {
    methods: list(v.method) as MethodName[] | undefined,
    metrics: list(v.metrics),
    layers: v.layer,
    classes: v.class,
    topK: intOption(v['top-k'], 'top-k'),
    score: v.score as EvaluateOptions['score'],
    steps: intOption(v.steps, 'steps'),
    morfPercentile: numberOption(v['morf-percentile'], 'morf-percentile'),
    lerfPercentile: numberOption(v['lerf-percentile'], 'lerf-percentile'),
    roadNoise: numberOption(v['road-noise'], 'road-noise'),
    seed: intOption(v.seed, 'seed'),
    pointingTolerance: numberOption(v.tolerance, 'tolerance'),
    sanitySteps: intOption(v['sanity-steps'], 'sanity-steps'),
    preprocess: builtin && !v.preprocess ? builtin.preprocess : (v.preprocess as EvaluateOptions['preprocess']),
    preprocessOverrides: preprocessOverrides(v),
    intensity: v.intensity,
    batchSize: intOption(v['batch-size'], 'batch-size'),
    threads: intOption(v.threads, 'threads'),
    labels,
  };
  // Folders and patterns as explain takes them; an argument naming nothing is reported like an unreadable file.
  const entries = await expandInputs(p.rest);
  const unnamed = entries.flatMap((e) => ('error' in e ? [e] : []));
  for (const e of unnamed) console.error(`gcam: skipped ${e.path}: ${e.error}`);
  if (entries.every((e) => 'error' in e)) return noReadableInput();
  const opening = createImageExplainer(v.model ?? builtin!.path, { size: intOption(v.size, 'size', 1) });
  const explainer = await (v.model ? userModel(opening) : opening);
  let ev: Evaluation;
  let skipped: number;
  try {
    // Read once the model is known: a .npy is read as the model's input shape says (an image batch or a volume).
    let loaded = await loadInputs(
      entries.flatMap((e) => ('error' in e ? [] : [e.path])),
      explainer.inputShape,
    );
    loaded = keepFitting({ ...loaded, failed: [...unnamed.map((e) => e.path), ...loaded.failed] }, explainer.inputShape);
    skipped = loaded.failed.length;
    const { inputs } = loaded;
    if (inputs.length === 0) return noReadableInput();
    if (v.boxes)
      options.annotations = annotationsFor(
        readText(v.boxes),
        v.boxes,
        inputs.map((i) => i.source.name),
        explainer.numClasses,
        labels,
      );
    const progress = !v.quiet && process.stderr.isTTY;
    options.onProgress = progress
      ? (method, done, total) => process.stderr.write(`\rgcam: ${method} ${done}/${total} explained images scored   `)
      : undefined;
    ev = await withFlagNames(() =>
      evaluate(
        explainer,
        inputs.map((i) => i.source),
        options,
      ),
    );
    if (progress) process.stderr.write('\n');
  } finally {
    await explainer.release();
  }
  const files: OutputFile[] = [];
  if (v.json) files.push(jsonFile(v.json, ev));
  if (v.csv) files.push({ flag: 'csv', path: v.csv, bytes: perImageCsv(ev) });
  if (v.out)
    for (const { name, chart } of curveCharts(ev))
      files.push({
        flag: 'out',
        path: join(v.out, name),
        bytes: await sharp(Buffer.from(chartSvg(chart)))
          .png()
          .toBuffer(),
      });
  commitOutputs(files, folders);
  console.log(summaryTable(ev));
  for (const line of recommendationLines(ev)) console.log(line);
  for (const f of files) console.log(`wrote ${f.path}`);
  return skipped ? 2 : 0;
}

/** The folders to create for --json, --csv and --out, checked before the run. */
function destinations(json?: string, csv?: string, out?: string): string[] {
  const files: [string, string][] = [];
  if (json) files.push(['json', json]);
  if (csv) files.push(['csv', csv]);
  const folders = files.flatMap(([flag, path]) => checkFile(flag, path));
  if (out) folders.push(...checkFolder('out', out));
  checkDistinct(files);
  // Two destinations in one new folder both ask for it; the shorter path is the parent.
  return [...new Set(folders)].sort((a, b) => a.length - b.length);
}

/** The library names its options (morfPercentile); the command line says which flag set them. */
async function withFlagNames<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof InvalidOptionError && Object.hasOwn(FLAGS, e.option) && e.message.startsWith(e.option))
      throw new InvalidOptionError(FLAGS[e.option], e.message.slice(e.option.length + 1), { cause: e });
    throw e;
  }
}

function noReadableInput(): number {
  console.error('gcam: no readable input.');
  return 2;
}
