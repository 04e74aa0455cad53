/**
 * `gcam explain`: the flags become library options, the inputs are explained in one call, then the overlays or
 * figures, the map stack (--save-cam) and the JSON summary are written, and one line per result is printed.
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
import { loadInputs, readText, type LoadedInputs } from '../inputs.js';
import { renderOutputs } from '../output/render.js';
import { checkFolderExists, writeImages, writeJson, writeMapStack } from '../output/write.js';

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
  checkFolderExists('save-cam', v['save-cam']);
  checkFolderExists('json', v.json);
  const loaded = await loadInputs(p.rest);
  const { inputs, photos, failed } = loaded;
  if (inputs.length === 0) {
    console.error('gcam: no readable input.');
    return 2;
  }
  const explainer = await createImageExplainer(v.model ?? builtin!.path, { size: intOption(v.size, 'size', 1) });
  const showProgress = !quiet && inputs.length > 1;
  const options = {
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
    onProgress: showProgress
      ? (done: number, total: number) => process.stderr.write(`\rgcam: ${done}/${total} inputs`)
      : undefined,
  };
  let results: ExplainResult[];
  try {
    results = await explainer.explain(inputs, options);
    if (showProgress) process.stderr.write('\n');
  } finally {
    await explainer.release();
  }
  const images = await renderOutputs(results, inputs, photos, { figure: !!v.figure, colormap, alpha, signed: !!v['no-relu'] });
  const written = await writeImages(images, v.out);
  if (v['save-cam']) writeMapStack(v['save-cam'], results);
  for (const r of results) {
    const warn = r.warnings.length ? `  WARNING: ${r.warnings.join(' ')}` : '';
    console.log(
      `${r.source}: class ${r.classIndex}${r.label ? ` '${r.label}'` : ''} score ${r.score.toFixed(4)} layer '${r.layer}'${warn}`,
    );
  }
  for (const f of written) console.log(`wrote ${f}`);
  if (v.json) writeJson(v.json, summary(results, loaded, written, v['save-cam']));
  return failed.length ? 2 : 0;
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
