/**
 * `gcam explain`: the destinations are checked, the flags become library options, the inputs are explained in one
 * call, then the overlays or figures, the map stack (--save-cam) and the JSON summary are made in memory and written
 * all or nothing, and one line per result is printed.
 */
import { colormapLut, createImageExplainer, type ExplainOptions, type ExplainResult } from '../../node.js';
import { builtinModel } from '../../builtin.js';
import { parseLabels } from '../../labels/labels.js';
import {
  USAGE,
  UsageError,
  gridOption,
  intOption,
  layoutOption,
  numberOption,
  preprocessOverrides as cliPreprocessOverrides,
  type Parsed,
} from '../args.js';
import { userModel } from '../errors.js';
import { keepFitting, loadInputs, readText, type LoadedInputs } from '../inputs.js';
import { commitOutputs } from '../output/commit.js';
import { imageFiles, jsonFile, mapStackFile } from '../output/encode.js';
import { imagePaths, planOutputs } from '../output/plan.js';
import { renderOutputs } from '../output/render.js';

export async function cmdExplain(p: Parsed): Promise<number> {
  const v = p.values;
  if (p.rest.length === 0) throw new UsageError(`gcam explain needs at least one image.\n\n${USAGE}`);
  // Without --model: the built-in shapes model, with its own preprocessing and labels unless overridden.
  const builtin = v.model ? undefined : builtinModel();
  if (v.class && v['top-k']) throw new UsageError('Use either --class or --top-k, not both.');
  const colormap = v.colormap ?? 'jet';
  // The library's own check of the name, made now rather than at the first overlay, after the whole run.
  colormapLut(colormap);
  const alpha = numberOption(v.alpha, 'alpha') ?? 0.5;
  const preprocessOverrides = cliPreprocessOverrides(v);
  const labels = v.labels ? parseLabels(readText(v.labels), `labels file '${v.labels}'`) : builtin?.labels;
  const quiet = !!v.quiet || !process.stderr.isTTY;
  const size = intOption(v.size, 'size', 1);
  const options: ExplainOptions = {
    layers: v.layer,
    classes: v.class,
    topK: intOption(v['top-k'], 'top-k'),
    // Names and values the library checks itself (method, preprocess, ranges): its errors name the option.
    method: v.method as ExplainOptions['method'],
    augSmooth: !!v['aug-smooth'],
    eigenSmooth: !!v['eigen-smooth'],
    combineLayers: !!v['combine-layers'],
    scoreCamBatch: intOption(v['score-cam-batch'], 'score-cam-batch'),
    scoreCamChannels: intOption(v['score-cam-channels'], 'score-cam-channels'),
    ablationBatch: intOption(v['ablation-batch'], 'ablation-batch'),
    grid: gridOption(v.grid),
    layout: layoutOption(v.layout),
    relu: !v['no-relu'],
    preprocess: builtin && !v.preprocess ? builtin.preprocess : (v.preprocess as ExplainOptions['preprocess']),
    preprocessOverrides,
    batchSize: intOption(v['batch-size'], 'batch-size'),
    threads: intOption(v.threads, 'threads'),
    labels,
  };
  const plan = planOutputs({ out: v.out ?? 'gcam-out', saveCam: v['save-cam'], json: v.json, inputs: p.rest });
  let loaded = await loadInputs(p.rest);
  if (loaded.inputs.length === 0) return noReadableInput();
  const opening = createImageExplainer(v.model ?? builtin!.path, { size });
  const explainer = await (v.model ? userModel(opening) : opening);
  loaded = keepFitting(loaded, explainer.inputShape);
  const { inputs, failed } = loaded;
  const showProgress = !quiet && inputs.length > 1;
  let results: ExplainResult[];
  try {
    if (inputs.length === 0) return noReadableInput();
    const onProgress = (done: number, total: number) => process.stderr.write(`\rgcam: ${done}/${total} inputs`);
    const sources = inputs.map((i) => i.source);
    results = await explainer.explain(sources, { ...options, onProgress: showProgress ? onProgress : undefined });
    if (showProgress) process.stderr.write('\n');
  } finally {
    await explainer.release();
  }
  const images = await renderOutputs(results, inputs, { figure: !!v.figure, colormap, alpha, signed: !!v['no-relu'] });
  const names = images.map((f) => f.name);
  const written = imagePaths(plan, names);
  const files = await imageFiles(images, written);
  if (plan.saveCam) files.push(mapStackFile(plan.saveCam, results));
  if (plan.json) files.push(jsonFile(plan.json, summary(results, loaded, written, plan.saveCam)));
  commitOutputs(files, plan.folders);
  for (const r of results) {
    const warn = r.warnings.length ? `  WARNING: ${r.warnings.join(' ')}` : '';
    console.log(
      `${r.source}: class ${r.classIndex}${r.label ? ` '${r.label}'` : ''} score ${r.score.toFixed(4)} layer '${r.layer}'${warn}`,
    );
  }
  for (const f of written) console.log(`wrote ${f}`);
  return failed.length ? 2 : 0;
}

function noReadableInput(): number {
  console.error('gcam: no readable input.');
  return 2;
}

/** The --json file: each input's predictions, each result without its maps, and what was written or skipped. */
function summary(results: ExplainResult[], { inputs, failed }: LoadedInputs, outputs: string[], saveCam: string | undefined) {
  return {
    inputs: inputs.map((_, i) => ({
      source: results.find((r) => r.image === i)?.source,
      predictions: results.find((r) => r.image === i)?.predictions,
    })),
    results: results.map((r) => ({
      image: r.image,
      source: r.source,
      class: r.classIndex,
      label: r.label,
      score: r.score,
      layer: r.layer,
      tensor: r.tensor,
      constant: r.constant,
      warnings: r.warnings,
    })),
    outputs,
    skipped: failed,
    saveCam,
  };
}
