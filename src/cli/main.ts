#!/usr/bin/env node
/** The gcam command line: a thin layer over the library (parse, call, print, map errors to exit codes). */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import {
  GcamError,
  GraphView,
  ImageReadError,
  composeFigure,
  createImageExplainer,
  encodeNpy,
  heatmap,
  loadModel,
  nodeRuntime,
  overlay,
  parseNpy,
  readImage,
  supportedOps,
  writeFileAtomic,
  writeImage,
  type ExplainResult,
  type ImageSource,
} from '../node.js';
import type { MethodName } from '../cam/method.js';
import { METHODS, METHOD_NAMES, methodFor } from '../cam/methods/index.js';
import { builtinModel } from '../builtin.js';
import { cmdDemo } from './demo.js';
import { defaultInputShape, defaultLayer, listLayers } from '../layers.js';
import { parseLabels } from '../labels/labels.js';
import { COLORMAPS } from '../image/colormap.js';
import type { RawImage } from '../image/raw.js';
import {
  USAGE,
  UsageError,
  floatOption,
  intOption,
  parse,
  preprocessOverrides as cliPreprocessOverrides,
  type Parsed,
} from './args.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp']);

function sizeOption(v: string | undefined): number | undefined {
  return intOption(v, 'size', 1);
}

async function cmdLayers(p: Parsed): Promise<number> {
  const path = p.rest[0] ?? p.values.model;
  if (!path) throw new UsageError(`gcam layers needs a model.\n\n${USAGE}`);
  const decoded = loadModel(path);
  const view = new GraphView(decoded.proto);
  const inputShape = defaultInputShape(view, sizeOption(p.values.size));
  const layers = await listLayers(nodeRuntime(), decoded, { view, inputShape });
  const def = defaultLayer(layers, view).tensor;
  console.log(`input [${inputShape.join(', ')}]; ${layers.length} layers (* = default)`);
  for (const l of layers) {
    const mod = l.module ? `  (${l.module})` : '';
    console.log(`${l.tensor === def ? '*' : ' '} ${l.tensor}  ${l.opType}  [${l.dims.join(', ')}]${mod}`);
  }
  return 0;
}

function cmdInfo(p: Parsed): number {
  const path = p.rest[0] ?? p.values.model;
  if (!path) throw new UsageError(`gcam info needs a model.\n\n${USAGE}`);
  const decoded = loadModel(path);
  const view = new GraphView(decoded.proto);
  const dims = (d: (number | string | null)[] | undefined) => `[${(d ?? []).map((x) => x ?? '?').join(', ')}]`;
  console.log(`opset ${view.opset}, ${view.nodes.length} nodes, ${view.initializers.size} initializers`);
  for (const i of view.inputs) console.log(`input  ${i.name} ${dims(i.dims)} (ONNX type ${i.elemType})`);
  for (const o of view.outputs) console.log(`output ${o.name} ${dims(o.dims)} (ONNX type ${o.elemType})`);
  const counts = new Map<string, number>();
  for (const n of view.nodes) {
    const k = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const supported = new Set([...supportedOps(), 'Constant', 'Shape']);
  console.log('ops:');
  for (const [op, c] of [...counts].sort((a, b) => b[1] - a[1]))
    console.log(`  ${op} ×${c}${supported.has(op) ? '' : '  (no gradient rule)'}`);
  return 0;
}

function stem(source: string): string {
  // Image i of a batched .npy is named 'x.npy[i]': its stem is 'x_i'.
  const item = /^(.*)\[(\d+)\]$/.exec(source);
  if (item) return `${stem(item[1])}_${item[2]}`;
  return basename(source, extname(source)).replace(/[^A-Za-z0-9._-]+/g, '_');
}

async function loadInputs(
  paths: string[],
): Promise<{ inputs: ImageSource[]; photos: (RawImage | undefined)[]; failed: string[] }> {
  const inputs: ImageSource[] = [];
  const photos: (RawImage | undefined)[] = [];
  const failed: string[] = [];
  for (const path of paths) {
    try {
      if (extname(path).toLowerCase() === '.npy') {
        if (!existsSync(path)) throw new ImageReadError(`Input '${path}' does not exist.`);
        const arr = parseNpy(readFileSync(path), `'${path}'`);
        if (arr.dims.length !== 3 && arr.dims.length !== 4)
          throw new ImageReadError(`'${path}' is [${arr.dims}]: expected [N,C,H,W] or [C,H,W].`);
        const [n, ...chw] = arr.dims.length === 4 ? arr.dims : [1, ...arr.dims];
        const per = chw.reduce((a, b) => a * b, 1);
        for (let i = 0; i < n; i++) {
          inputs.push({ tensor: arr.data.subarray(i * per, (i + 1) * per), dims: chw, name: n > 1 ? `${path}[${i}]` : path });
          photos.push(undefined);
        }
      } else {
        const img = { ...(await readImage(path)), name: path };
        inputs.push(img);
        photos.push(img);
      }
    } catch (e) {
      if (!(e instanceof GcamError)) throw e;
      failed.push(path);
      console.error(`gcam: skipped ${path}: ${e.message}`);
    }
  }
  return { inputs, photos, failed };
}

/** --grid RxC (token grid of a vision transformer layer). */
function gridOption(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)[x×,](\d+)$/.exec(v.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`--grid must be ROWSxCOLUMNS, e.g. 14x14; got '${v}'.`);
  return [Number(m[1]), Number(m[2])];
}

const LAYOUTS = ['auto', 'nchw', 'nhwc', 'tokens'] as const;
function layoutOption(v: string | undefined): (typeof LAYOUTS)[number] | undefined {
  if (v === undefined) return undefined;
  if (!(LAYOUTS as readonly string[]).includes(v))
    throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')}; got '${v}'.`);
  return v as (typeof LAYOUTS)[number];
}

/** `gcam methods`: the registry, one line per method with what it needs. */
function cmdMethods(): number {
  for (const m of METHODS) {
    const r = m.requires;
    const needs: string[] = [];
    if (r.layerGradients) needs.push('layer gradients');
    else if (!r.inputGradient) needs.push('layer activations');
    if (r.inputGradient) needs.push(r.inputGradient === 'guided' ? 'guided input gradient' : 'input gradient');
    if (r.perturbation) needs.push(r.perturbation === 'ablation' ? 'ablated re-runs' : 'masked-input runs');
    console.log(`${m.name.padEnd(20)}${m.title}: ${m.formula}\n${''.padEnd(20)}needs ${needs.join(' + ')}; ${m.reference}`);
  }
  return 0;
}

async function cmdExplain(p: Parsed): Promise<number> {
  const v = p.values;
  if (p.rest.length === 0) throw new UsageError(`gcam explain needs at least one image.\n\n${USAGE}`);
  // Without --model: the built-in shapes model, with its own preprocessing and labels unless overridden.
  const builtin = v.model ? undefined : builtinModel();
  if (v.class && v['top-k']) throw new UsageError('Use either --class or --top-k, not both.');
  const colormap = v.colormap ?? 'jet';
  if (!(COLORMAPS as readonly string[]).includes(colormap))
    throw new UsageError(`--colormap must be one of ${COLORMAPS.join(', ')}.`);
  const alpha = floatOption(v.alpha, 'alpha', 0, 1) ?? 0.5;
  if (v.method !== undefined && !methodFor(v.method))
    throw new UsageError(`Unknown --method '${v.method}'; available: ${METHOD_NAMES.join(', ')} (see gcam methods).`);
  const preprocess = v.preprocess ?? 'imagenet';
  if (!['imagenet', 'caffe', 'none'].includes(preprocess))
    throw new UsageError(`--preprocess must be imagenet, caffe or none; got '${preprocess}'.`);
  const preprocessOverrides = cliPreprocessOverrides(v);
  const labels = v.labels ? parseLabels(readText(v.labels), `labels file '${v.labels}'`) : builtin?.labels;
  const quiet = !!v.quiet || !process.stderr.isTTY;
  // Refuse unwritable destinations before any work, so a run never leaves some outputs and fails on others.
  for (const [flag, path] of [
    ['save-cam', v['save-cam']],
    ['json', v.json],
  ] as const) {
    if (path && !existsSync(dirname(resolve(path))))
      throw new UsageError(`--${flag} ${path}: folder ${dirname(path)} does not exist.`);
  }
  const paths = p.rest;
  const { inputs, photos, failed } = await loadInputs(paths);
  if (inputs.length === 0) {
    console.error('gcam: no readable input.');
    return 2;
  }
  const explainer = await createImageExplainer(v.model ?? builtin!.path, { size: sizeOption(v.size) });
  const showProgress = !quiet && inputs.length > 1;
  const options = {
    layers: v.layer,
    classes: v.class,
    topK: intOption(v['top-k'], 'top-k'),
    method: v.method as MethodName | undefined,
    augSmooth: !!v['aug-smooth'],
    eigenSmooth: !!v['eigen-smooth'],
    combineLayers: !!v['combine-layers'],
    scoreCamBatch: intOption(v['score-cam-batch'], 'score-cam-batch'),
    scoreCamChannels: intOption(v['score-cam-channels'], 'score-cam-channels'),
    ablationBatch: intOption(v['ablation-batch'], 'ablation-batch'),
    grid: gridOption(v.grid),
    layout: layoutOption(v.layout),
    relu: !v['no-relu'],
    preprocess: builtin && !v.preprocess ? builtin.preprocess : (preprocess as 'imagenet' | 'caffe' | 'none'),
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
  const written = await writeOutputs(results, inputs, photos, {
    out: v.out,
    figure: !!v.figure,
    colormap,
    alpha,
    signed: !!v['no-relu'],
  });
  if (v['save-cam']) {
    const r0 = results[0];
    const data = new Float32Array(results.length * r0.inputWidth * r0.inputHeight);
    results.forEach((r, i) => data.set(r.inputMap, i * r.inputMap.length));
    writeFileAtomic(v['save-cam'], encodeNpy(data, [results.length, r0.inputHeight, r0.inputWidth]));
  }
  for (const r of results) {
    const warn = r.warnings.length ? `  WARNING: ${r.warnings.join(' ')}` : '';
    console.log(
      `${r.source}: class ${r.classIndex}${r.label ? ` '${r.label}'` : ''} score ${r.score.toFixed(4)} layer '${r.layer}'${warn}`,
    );
  }
  for (const f of written) console.log(`wrote ${f}`);
  if (v.json) {
    const summary = {
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
      outputs: written,
      skipped: failed,
      saveCam: v['save-cam'],
    };
    writeFileAtomic(v.json, JSON.stringify(summary, null, 2) + '\n');
  }
  return failed.length ? 2 : 0;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

interface OutputOptions {
  out?: string;
  figure: boolean;
  colormap: string;
  alpha: number;
  signed: boolean;
}

/** Renders every output in memory first, then writes each atomically: a failure leaves no partial file. */
async function writeOutputs(
  results: ExplainResult[],
  inputs: ImageSource[],
  photos: (RawImage | undefined)[],
  o: OutputOptions,
): Promise<string[]> {
  const files: { path: string; image: RawImage }[] = [];
  const display = (m: Float32Array) => (o.signed ? m.map((x) => (x + 1) / 2) : m);
  const multiLayer = new Set(results.map((r) => r.layer)).size > 1;
  const base = (r: ExplainResult) => photos[r.image] ?? grayFromTensor(inputs[r.image]);
  const caption = (r: ExplainResult) => `${r.classIndex}${r.label ? ` ${r.label}` : ''} (${r.score.toFixed(3)}) @ ${r.layer}`;
  const byImage = new Map<number, ExplainResult[]>();
  for (const r of results) byImage.set(r.image, [...(byImage.get(r.image) ?? []), r]);
  const stems = new Map<string, number>();
  for (const [, rs] of byImage) {
    const img = base(rs[0]);
    // Inputs with the same stem (the same file twice, a/cat.png and b/cat.png) get _2, _3… rather than overwriting.
    const first = stem(rs[0].source);
    const seen = (stems.get(first) ?? 0) + 1;
    stems.set(first, seen);
    const name = seen > 1 ? `${first}_${seen}` : first;
    // The base image has the map's size: the photo for image inputs, the input resolution for tensors.
    const heat = (r: ExplainResult) => heatmap(display(photos[r.image] ? r.map : r.inputMap), img.width, img.height, o.colormap);
    const over = (r: ExplainResult, h = heat(r)) => overlay(img, h, o.alpha);
    if (o.figure) {
      const h0 = heat(rs[0]);
      const row =
        rs.length === 1
          ? [
              { image: img, caption: rs[0].source },
              { image: h0, caption: 'heatmap' },
              { image: over(rs[0], h0), caption: caption(rs[0]) },
            ]
          : [{ image: img, caption: rs[0].source }, ...rs.map((r) => ({ image: over(r), caption: caption(r) }))];
      files.push({ path: `${name}-gcam.png`, image: await composeFigure([row]) });
    } else {
      for (const r of rs) {
        const layerPart = multiLayer ? `-${stem(r.layer)}` : '';
        files.push({ path: `${name}-${r.classIndex}${layerPart}.png`, image: over(r) });
      }
    }
  }
  const dir = o.out ?? 'gcam-out';
  const single = o.out && IMAGE_EXT.has(extname(o.out).toLowerCase());
  if (single) {
    if (files.length !== 1)
      throw new UsageError(
        `--out ${o.out} names one file but there are ${files.length} outputs; pass a folder instead (or --figure with one image).`,
      );
    await writeImage(files[0].image, o.out!);
    return [o.out!];
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} exists and is not a folder.`);
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of files) {
    const path = join(dir, f.path);
    await writeImage(f.image, path);
    paths.push(path);
  }
  return paths;
}

/** A displayable gray image of a preprocessed tensor input (first channel, min-max scaled). */
function grayFromTensor(src: ImageSource): RawImage {
  const t = src as { tensor: Float32Array; dims: readonly number[] };
  const [, h, w] = t.dims.length === 4 ? t.dims.slice(1) : t.dims;
  const plane = t.tensor.subarray(0, h * w);
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of plane) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const data = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++)
    data[i * 3] = data[i * 3 + 1] = data[i * 3 + 2] = hi > lo ? Math.round(((plane[i] - lo) / (hi - lo)) * 255) : 0;
  return { width: w, height: h, channels: 3, data };
}

export async function main(argv: string[]): Promise<number> {
  try {
    const p = parse(argv);
    if (p.values.help || !p.command) {
      console.log(USAGE);
      return p.command || p.values.help ? 0 : 2;
    }
    switch (p.command) {
      case 'explain':
        return await cmdExplain(p);
      case 'layers':
        return await cmdLayers(p);
      case 'demo':
        return await cmdDemo(p);
      case 'methods':
        return cmdMethods();
      case 'info':
        return cmdInfo(p);
      default:
        throw new UsageError(`Unknown command '${p.command}'.\n\n${USAGE}`);
    }
  } catch (e) {
    if (e instanceof GcamError) {
      console.error(`gcam: ${e.message}`);
      return e.code === 'RUNTIME' || e.code === 'WRITE_FAILED' ? 1 : 2;
    }
    console.error(`gcam: unexpected failure: ${(e as Error).stack ?? e}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && /(?:^|[/\\])(?:main\.[jt]s|gcam)$/.test(process.argv[1]);
if (invokedDirectly) main(process.argv.slice(2)).then((code) => process.exit(code));
