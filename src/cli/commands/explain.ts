/**
 * `gcam explain`: the destinations are checked, the flags become library options, the inputs (files, folders,
 * patterns, lists) are read one by one and streamed through explainAll, and each input's overlays or figure are
 * written (all or nothing) and recorded in the manifest as soon as its batch is done (output/run-writer.ts); the map
 * stack (--save-cam) and the JSON summary are written when the run ends.
 */
import { extname } from 'node:path';
import { GcamError, colormapLut, createImageExplainer, type ExplainOptions } from '../../node.js';
import { parseLabels } from '../../labels/labels.js';
import {
  USAGE_HINT,
  UsageError,
  gridOption,
  intOption,
  layoutOption,
  numberOption,
  sizeOption,
  preprocessOverrides as cliPreprocessOverrides,
  type Parsed,
} from '../args.js';
import { cliMessage, userModel } from '../errors.js';
import { defaultModel, defaultModelNotice } from '../default-model.js';
import { expandInputs } from '../input-list.js';
import { misfit, readPath, readText, type LoadedInput } from '../inputs.js';
import { startProgress } from '../progress.js';
import { commitOutputs, type OutputFile } from '../output/commit.js';
import { jsonFile } from '../output/encode.js';
import { ManifestWriter, readManifest, type Recorded } from '../output/manifest.js';
import { MapStackWriter } from '../output/map-stack.js';
import { uniqueStems } from '../output/names.js';
import { planOutputs, type OutputPlan } from '../output/plan.js';
import { RunWriter, resultFields } from '../output/run-writer.js';

export async function cmdExplain(p: Parsed): Promise<number> {
  const v = p.values;
  if (p.rest.length === 0 && v.list === undefined)
    throw new UsageError(`gcam explain needs at least one image, folder, pattern, '-' or --list F.\n${USAGE_HINT}`);
  if (v.class && v['top-k']) throw new UsageError('Use either --class or --top-k, not both.');
  if (v.target && (v.class || v['top-k']))
    throw new UsageError('--target replaces --class and --top-k: give it alone (class:C is the target form of --class C).');
  const colormap = v.colormap ?? 'jet';
  // The library's own check of the name, made now rather than at the first overlay, after the whole run.
  colormapLut(colormap);
  const alpha = numberOption(v.alpha, 'alpha') ?? 0.5;
  const preprocessOverrides = cliPreprocessOverrides(v);
  const labels = v.labels ? parseLabels(readText(v.labels), `labels file '${v.labels}'`) : undefined;
  const size = sizeOption(v.size);
  const options: ExplainOptions = {
    layers: v.layer,
    classes: v.class,
    topK: intOption(v['top-k'], 'top-k'),
    target: v.target,
    detFormat: v['det-format'] as ExplainOptions['detFormat'],
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
    preprocess: v.preprocess as ExplainOptions['preprocess'],
    preprocessOverrides,
    batchSize: intOption(v['batch-size'], 'batch-size'),
    threads: intOption(v.threads, 'threads'),
    labels,
    intensity: v.intensity,
  };
  const frame = intOption(v.frame, 'frame', 0);
  const entries = await expandInputs(p.rest, v.list);
  if (entries.length === 0) throw new UsageError(`gcam explain: '-' or --list named no input.\n${USAGE_HINT}`);
  // Without --model: a built-in model (default-model.ts), with its own labels and preprocessing or intensity unless
  // overridden.
  const builtin = v.model ? undefined : defaultModel(entries);
  if (builtin) {
    options.labels ??= builtin.model.labels;
    if (builtin.kind === 'image') options.preprocess ??= builtin.model.preprocess;
    else options.intensity ??= builtin.model.intensity;
  }
  if (v.resume && v.overwrite)
    throw new UsageError('Use either --resume (continue a run) or --overwrite (start again), not both.');
  if (v.resume && v['save-cam'])
    throw new UsageError(
      '--save-cam cannot be resumed: its stack would hold only the rest. Run without --resume, or use the manifest.',
    );
  const plan = planOutputs({
    out: v.out ?? 'gcam-out',
    saveCam: v['save-cam'],
    json: v.json,
    manifest: v.manifest,
    inputs: entries.map((e) => e.path),
    overwrite: !!v.overwrite,
    resume: !!v.resume,
  });
  checkOneFileOut(plan, entries.length, {
    figure: !!v.figure,
    maps: (v.class?.length ?? intOption(v['top-k'], 'top-k') ?? 1) * (v['combine-layers'] ? 1 : new Set(v.layer ?? ['']).size),
  });
  if (v.resume && !plan.manifest)
    throw new UsageError('--resume continues the run its manifest records: give --out a folder, or --manifest F.');
  const recorded = v.resume && plan.manifest ? readManifest(plan.manifest) : undefined;
  checkSameMethod(recorded, options.method ?? 'gradcam', plan.manifest);
  if (entries.every((e) => 'error' in e)) {
    for (const e of entries) console.error(`gcam: skipped ${e.path}: ${(e as { error: string }).error}`);
    return noReadableInput();
  }
  if (builtin && !v.quiet) console.error(defaultModelNotice(builtin));
  const opening = createImageExplainer(v.model ?? builtin!.model.path, { size });
  const explainer = await (v.model ? userModel(opening) : opening);
  const progress = startProgress(
    entries.length - (recorded?.inputs.size ?? 0),
    v.quiet ? 'none' : process.stderr.isTTY ? 'bar' : 'lines',
  );
  const stack = plan.saveCam ? new MapStackWriter(plan.saveCam) : undefined;
  const manifest = plan.manifest ? new ManifestWriter(plan.manifest, recorded) : undefined;
  const writer = new RunWriter({
    plan,
    figure: !!v.figure,
    colormap,
    alpha,
    signed: !!v['no-relu'],
    multiLayer: new Set(v.layer ?? []).size > 1 && !v['combine-layers'],
    manifest,
    stack,
    progress,
    print: !v.quiet,
    summarise: plan.json !== undefined,
  });
  let committed = false;
  try {
    const stems = uniqueStems(entries.map((e) => e.path));
    writer.claimed(recorded?.files ?? []);
    // Inputs handed to the library, in order, waiting for their results. A slot keeps each input's place among
    // those this run writes; `input` is its place in the whole run, resumed or not (what the manifest records).
    const pending: { slot: number; input: number; loaded: LoadedInput; base: string }[] = [];
    let slot = 0;
    let input = 0;
    const done = (k: number) => recorded?.inputs.has(k) ?? false;
    /** An entry that gives no input to explain takes one place in the run, and is reported unless recorded already. */
    const skipEntry = (path: string, why: string) => {
      if (!done(input)) writer.skip(slot++, input, path, why);
      input++;
    };
    async function* sources(): AsyncGenerator<LoadedInput['source']> {
      for (const [i, entry] of entries.entries()) {
        if ('error' in entry) {
          skipEntry(entry.path, entry.error);
          continue;
        }
        // An image recorded already is not read again; a .npy is, to count its images.
        if (done(input) && extname(entry.path).toLowerCase() !== '.npy') {
          input++;
          continue;
        }
        let items: LoadedInput[];
        try {
          items = await readPath(entry.path, explainer.inputShape, frame);
        } catch (e) {
          if (!(e instanceof GcamError)) throw e;
          skipEntry(entry.path, e.message);
          continue;
        }
        // A .npy that does not fit is reported once.
        const why = misfit(items[0], explainer.inputShape);
        if (why) {
          skipEntry(entry.path, why);
          continue;
        }
        for (const [j, loaded] of items.entries()) {
          const k = input++;
          if (done(k)) continue;
          pending.push({ slot: slot++, input: k, loaded, base: items.length > 1 ? `${stems[i]}_${j}` : stems[i] });
          yield loaded.source;
        }
      }
    }
    const batch = options.batchSize ?? 8;
    for await (const item of explainer.explainAll(sources(), { ...options, skipUnreadable: true })) {
      const p = pending.shift()!;
      // An option the input needs (an intensity preset for a DICOM) is named by its flag, as usage errors are.
      if (item.error) writer.skip(p.slot, p.input, p.loaded.path, cliMessage(item.error));
      else writer.explained(p.slot, p.input, p.loaded, p.base, item.results);
      await writer.room(2 * batch);
    }
    await writer.finish();
    if (writer.explainedCount === 0) return noReadableInput();
    const last: OutputFile[] = [];
    if (plan.json) last.push(jsonFile(plan.json, summary(writer, plan.saveCam)));
    stack?.commit();
    commitOutputs(last, plan.folders);
    committed = true;
  } finally {
    progress.stop();
    manifest?.close();
    if (!committed) stack?.discard();
    await explainer.release();
  }
  if (!v.quiet && plan.json) console.log(`wrote ${plan.json}`);
  if (!v.quiet && plan.saveCam) console.log(`wrote ${plan.saveCam}`);
  return writer.skipped.length ? 2 : 0;
}

/** --out FILE.png takes one image: refused now when the run would make more, rather than after writing the first. */
function checkOneFileOut(plan: OutputPlan, inputs: number, per: { figure: boolean; maps: number }): void {
  if (!('file' in plan.images)) return;
  const images = per.figure ? inputs : inputs * per.maps;
  if (images > 1)
    throw new UsageError(
      `--out ${plan.images.file} names one file but the run makes ${images} images; pass a folder instead${inputs === 1 && !per.figure ? ' (or --figure: one image per input)' : ''}.`,
    );
}

function noReadableInput(): number {
  console.error('gcam: no readable input.');
  return 2;
}

/** A manifest continued with another method would mix two runs' maps under one record. */
function checkSameMethod(recorded: Recorded | undefined, method: string, path?: string): void {
  const other = [...(recorded?.methods ?? [])].find((m) => m !== method);
  if (other)
    throw new UsageError(
      `--resume: '${path}' records a run with --method ${other}; resume it with that method, or use another --out.`,
    );
}

/** The --json file: each input's predictions, each result without its maps, and what was written or skipped. */
function summary(w: RunWriter, saveCam: string | undefined) {
  const inputs = new Map<number, { source: string; predictions: unknown }>();
  for (const r of w.results) if (!inputs.has(r.image)) inputs.set(r.image, { source: r.source, predictions: r.predictions });
  return {
    inputs: [...inputs.values()],
    results: w.results.map((r) => ({
      image: r.image,
      ...resultFields(r),
      tensor: r.tensor,
      constant: r.constant,
      files: r.files,
      ...(r.peak && { peak: r.peak }),
      warnings: r.warnings,
    })),
    outputs: w.written,
    skipped: w.skipped,
    saveCam,
  };
}
