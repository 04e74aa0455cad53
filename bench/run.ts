/**
 * gcam against the PyTorch references: `npm run bench` (not part of the tests). See docs/benchmarks.md.
 *
 *   node --import tsx bench/run.ts [--parts gradcam,methods,levels,rss,process,browser] [--models resnet50,vgg16,mobilenet_v2]
 *                                  [--rounds N] [--warmup W] [--method-rounds N] [--process-rounds N] [--process-images 16,256]
 *                                  [--threads T] [--out report.md]
 *
 * Parts:
 *  gradcam  per model and batch (1, 8): plain onnxruntime forward; gcam Grad-CAM at the last block (engine: explain
 *           run + map; library: ImageExplainer.explain) and at an early layer; PyTorch forward (no_grad) and the
 *           hooks + backward reference with parameters requiring grad and frozen (tools/bench/torch_cams.py), at both
 *           layers. All contenders interleaved run by run (the PyTorch ones in a worker process that idles while gcam
 *           runs); medians and per-round ratios from the same run. Also: compile times, and the final maps of gcam and
 *           of the reference compared (max |Δ|).
 *  methods  Score-CAM and Ablation-CAM, gcam library vs the PyTorch references doing the same work.
 *  levels   onnxruntime's graph optimisation levels (disabled, basic, extended, all) on the plain and the explain
 *           model of each model, interleaved, relative to 'all' (the level gcam uses).
 *  rss      peak RSS of each contender in its own fresh process (bench/contender.ts, torch_worker.py --oneshot), with
 *           cold compile times.
 *  process  whole process as users run it: `gcam explain` (compiled CLI) over 16 and 256 images (--process-images)
 *           at --batch-size 8 vs tools/bench/gradcam_script.py over the same images: wall time and peak RSS
 *           (/usr/bin/time).
 *  browser  gcam/browser in Debian's Chromium against the Node entry (bench/browser.ts, its report appended here;
 *           --browser-rounds paired rounds); skipped with the reason when Chromium is missing.
 * The models are exported by tools/export_bench_models.py into .cache/bench/ (run here when missing).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import * as ort from 'onnxruntime-node';
import {
  ExplainSession,
  GraphView,
  createImageExplainer,
  encodeNpy,
  finalizeMaps,
  gradCam,
  listLayers,
  loadModel,
  nodeRuntime,
  parseNpy,
  resolveLayer,
  type ImageExplainer,
  type RtTensor,
  type Session,
} from '../src/node.js';
import { readFileSync } from 'node:fs';
import { CHROMIUM } from '../test/helpers/browser.js';
import {
  CACHE,
  PYTHON,
  ROOT,
  TORCH_WORKER,
  TorchWorker,
  argmaxRows,
  loadAvg,
  machine,
  maxAbsDiff,
  measured,
  median,
  pythonEnv,
  mib,
  ms,
  pseudoRandomNormal,
  spread,
  ratio,
  readManifest,
  type ModelEntry,
} from './lib.js';

const { values: opts } = parseArgs({
  options: {
    parts: { type: 'string', default: 'gradcam,methods,levels,rss,process,browser' },
    models: { type: 'string', default: 'resnet50,vgg16,mobilenet_v2' },
    rounds: { type: 'string' },
    warmup: { type: 'string', default: '1' },
    'method-rounds': { type: 'string', default: '3' },
    'process-rounds': { type: 'string', default: '3' },
    'process-images': { type: 'string', default: '16,256' },
    'browser-rounds': { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help) {
  console.log(
    'usage: npm run bench -- [--parts gradcam,methods,levels,rss,process,browser] [--models resnet50,vgg16,mobilenet_v2] [--rounds N] [--warmup W] [--method-rounds N] [--process-rounds N] [--process-images 16,256] [--browser-rounds N] [--threads T] [--out report.md]',
  );
  process.exit(0);
}
const int = (s: string, name: string): number => {
  const v = Number(s);
  if (!Number.isInteger(v) || v < 0) throw new Error(`--${name} must be a non-negative integer; got '${s}'`);
  return v;
};
const parts = new Set(opts.parts!.split(','));
const models = opts.models!.split(',');
const threads = int(opts.threads!, 'threads');
const warmup = int(opts.warmup!, 'warmup');
const methodRounds = int(opts['method-rounds']!, 'method-rounds');
const processRounds = int(opts['process-rounds']!, 'process-rounds');
const processImages = opts['process-images']!.split(',').map((v) => int(v, 'process-images'));
/** Timed rounds per (model, batch); the heavy VGG-16 gets fewer so that the whole run stays within ~15 minutes. */
function roundsFor(model: string, batch: number): number {
  if (opts.rounds !== undefined) return int(opts.rounds, 'rounds');
  const table: Record<string, [number, number]> = { resnet50: [10, 6], vgg16: [5, 3], mobilenet_v2: [12, 8] };
  const [r1, r8] = table[model] ?? [8, 5];
  return batch === 1 ? r1 : r8;
}

const [C, H, W] = [3, 224, 224];
const PER = C * H * W;
const BATCHES = [1, 8];
const INPUT = join(CACHE, 'input-8x3x224x224.npy');
const report: string[] = [];
/** Every timing of the run, written next to the report (<out>.json). */
const raw: Record<string, unknown> = {};
const say = (s = ''): void => {
  report.push(s);
};
/** A report section: its heading, then a markdown table whose columns are [header, alignment], then its rows. */
function table(title: string, columns: [string, 'l' | 'r'][], rows: readonly string[]): void {
  say(`\n### ${title}\n`);
  say(`| ${columns.map(([h]) => h).join(' | ')} |`);
  say(`| ${columns.map(([, a]) => (a === 'r' ? '---:' : '---')).join(' | ')} |`);
  for (const r of rows) say(r);
}
const cols = (align: string, ...headers: string[]): [string, 'l' | 'r'][] =>
  headers.map((h, i) => [h, align[i] === 'r' ? 'r' : 'l']);
const progress = (s: string): void => void process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

type Timings = Map<string, number[]>;
interface Contender {
  name: string;
  run: () => Promise<number>;
}

const load1 = (): string => os.loadavg()[0].toFixed(1);
const pause = (msDelay: number) => new Promise((res) => setTimeout(res, msDelay));

/**
 * W warm-up rounds, then R rounds; in every round each contender runs once, in the listed order. A 20 ms pause
 * between runs lets the previous contender's spinning worker threads (onnxruntime's pool, OpenMP) go idle.
 */
async function interleave(contenders: Contender[], rounds: number, warm = warmup): Promise<Timings> {
  for (let i = 0; i < warm; i++) for (const c of contenders) await c.run();
  const t: Timings = new Map(contenders.map((c) => [c.name, []]));
  for (let i = 0; i < rounds; i++)
    for (const c of contenders) {
      await pause(20);
      t.get(c.name)!.push(await c.run());
    }
  return t;
}

/** Median over rounds of a/b, each pair from the same round (the ratio least affected by the machine drifting). */
const paired = (t: Timings, a: string, b: string): number => median(t.get(a)!.map((v, i) => v / t.get(b)![i]));

function ensureModels(): Record<string, ModelEntry> {
  const have = existsSync(join(CACHE, 'manifest.json')) ? readManifest() : {};
  const missing = models.filter((m) => !have[m] || !existsSync(join(CACHE, have[m].onnx)));
  if (missing.length) {
    progress(`exporting ${missing.join(', ')} (tools/export_bench_models.py)`);
    const r = spawnSync(PYTHON, [join(ROOT, 'tools', 'export_bench_models.py'), '--models', missing.join(',')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (r.status !== 0) throw new Error('model export failed');
  }
  return readManifest();
}

/** The benchmark input: 8 deterministic pseudo-random N(0,1) images (batch 1 uses the first), shared with PyTorch. */
function ensureInput(): Float32Array {
  const x = pseudoRandomNormal(8 * PER, 20240607);
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(INPUT, encodeNpy(x, [8, C, H, W]));
  return x;
}

const tensorsOf = (x: Float32Array, n: number) =>
  Array.from({ length: n }, (_, i) => ({ tensor: x.subarray(i * PER, (i + 1) * PER), dims: [C, H, W] }));

function loadNpy(path: string): Float32Array {
  return parseNpy(readFileSync(path)).data;
}

// ---------------------------------------------------------------------------------------------------------------------

interface GradcamRow {
  model: string;
  batch: number;
  t: Timings;
  /** 1-minute load average before and after the rounds. */
  load: string;
}

/** The predicted class of each of n images (plain forward run) and the one-hot target weights that explain it. */
async function predictedTargets(
  forward: Session,
  feed: Record<string, RtTensor>,
  outputName: string,
  n: number,
): Promise<{ classes: number[]; tw: Float32Array }> {
  const logits = (await forward.run(feed, [outputName]))[outputName].data as Float32Array;
  const classes = argmaxRows(logits, n);
  const k = logits.length / n;
  const tw = new Float32Array(n * k);
  classes.forEach((c, i) => (tw[i * k + c] = 1));
  return { classes, tw };
}

async function gradcamPart(manifest: Record<string, ModelEntry>, x8: Float32Array, worker: TorchWorker): Promise<void> {
  const runtime = nodeRuntime();
  const rows: GradcamRow[] = [];
  const compile: string[] = [];
  const agree: string[] = [];
  for (const model of models) {
    const e = manifest[model];
    progress(`gradcam: ${model}`);
    const tl = await worker.ask<{ load_ms: number }>({ op: 'load', model, dir: CACHE, threads });
    await worker.ask({ op: 'input', path: INPUT });

    let t0 = performance.now();
    const decoded = loadModel(join(CACHE, e.onnx));
    const view = new GraphView(decoded.proto);
    const loadMs = performance.now() - t0;
    t0 = performance.now();
    const forward = await runtime.createSession(decoded.bytes, { threads, optimization: 'all' });
    const sessionMs = performance.now() - t0;
    t0 = performance.now();
    const layers = await listLayers(runtime, decoded, { view, inputShape: [1, C, H, W] });
    const layersMs = performance.now() - t0;
    const lastT = resolveLayer(e.last, layers, view);
    const earlyT = resolveLayer(e.early, layers, view);
    const create = async (tensor: string): Promise<[ExplainSession, number]> => {
      const s = performance.now();
      const ex = await ExplainSession.create(runtime, decoded, {
        targets: [tensor],
        inputShape: [1, C, H, W],
        threads,
        optimization: 'all',
      });
      return [ex, performance.now() - s];
    };
    const [exLast, lastMs] = await create(lastT);
    const [exEarly, earlyMs] = await create(earlyT);
    t0 = performance.now();
    const lib: ImageExplainer = await createImageExplainer(decoded);
    const libMs = performance.now() - t0;
    compile.push(
      `| ${model} | ${(decoded.bytes.length / 1e6).toFixed(0)} MB | ${ms(loadMs)} | ${ms(sessionMs)} | ${ms(layersMs)} | ${ms(lastMs)} | ${ms(loadMs + lastMs)} | ${ms(earlyMs)} | ${ms(libMs)} | ${ms(tl.load_ms)} |`,
    );

    const inputName = view.inputs[0].name;
    const outputName = view.outputs[0].name;

    // Same thing computed? The final [224, 224] maps of 2 images: gcam vs the references (fp32, hooks and frozen) and
    // vs a float64 evaluation of the same model (tells fp32 rounding apart from a real difference), same classes.
    {
      const n = 2;
      const x = x8.slice(0, n * PER);
      const feed: Record<string, RtTensor> = { [inputName]: { type: 'float32', dims: [n, C, H, W], data: x } };
      const { classes, tw } = await predictedTargets(forward, feed, outputName, n);
      const tmp = join(CACHE, 'maps.npy');
      const torchMaps = async (layer: string, frozen: boolean, double: boolean) => {
        const r = await worker.ask<{ targets: number[] }>({
          op: 'run',
          task: 'gradcam',
          layer,
          frozen,
          double,
          batch: n,
          maps: tmp,
        });
        return { maps: loadNpy(tmp), same: r.targets.every((c, i) => c === classes[i]) };
      };
      for (const [label, layer, ex] of [
        ['last', e.last, exLast],
        ['early', e.early, exEarly],
      ] as const) {
        const r = await ex.run(x, tw);
        const mine = finalizeMaps(gradCam(r.layers[0]), H, W).data;
        const hooks = await torchMaps(layer, false, false);
        const frozen = await torchMaps(layer, true, false);
        const f64 = await torchMaps(layer, true, true);
        let libDiff = '–';
        if (label === 'last') {
          const res = await lib.explain(tensorsOf(x, n), { layers: [e.last], preprocess: 'none', threads });
          const m = new Float32Array(n * H * W);
          res.forEach((q, i) => m.set(q.inputMap, i * H * W));
          libDiff = maxAbsDiff(m, mine).toExponential(1);
        }
        const d = (a: Float32Array, b: Float32Array) => maxAbsDiff(a, b).toExponential(1);
        agree.push(
          `| ${model} | ${label}: \`${layer}\` | ${hooks.same && frozen.same && f64.same ? 'yes' : 'NO'} | ${d(mine, hooks.maps)} | ${d(mine, frozen.maps)} | ${d(mine, f64.maps)} | ${d(hooks.maps, f64.maps)} | ${libDiff} |`,
        );
      }
    }
    for (const n of BATCHES) {
      const x = x8.slice(0, n * PER);
      const feed: Record<string, RtTensor> = { [inputName]: { type: 'float32', dims: [n, C, H, W], data: x } };
      const { tw } = await predictedTargets(forward, feed, outputName, n);
      const engine = async (ex: ExplainSession): Promise<Float32Array> => {
        const r = await ex.run(x, tw);
        return finalizeMaps(gradCam(r.layers[0]), H, W).data;
      };
      const libOptions = { layers: [e.last], preprocess: 'none' as const, batchSize: n, threads };
      const tensors = tensorsOf(x, n);
      const timed = (f: () => Promise<unknown>) => async (): Promise<number> => {
        const s = performance.now();
        await f();
        return performance.now() - s;
      };
      const torch = (req: Record<string, unknown>) => async (): Promise<number> =>
        (await worker.ask<{ ms: number }>({ op: 'run', batch: n, ...req })).ms;

      const contenders: Contender[] = [
        { name: 'ort', run: timed(() => forward.run(feed, [outputName])) },
        { name: 'gcamLast', run: timed(() => engine(exLast)) },
        { name: 'libLast', run: timed(() => lib.explain(tensors, libOptions)) },
        { name: 'gcamEarly', run: timed(() => engine(exEarly)) },
        { name: 'torchFwd', run: torch({ task: 'forward' }) },
        { name: 'hooksLast', run: torch({ task: 'gradcam', layer: e.last, frozen: false }) },
        { name: 'frozenLast', run: torch({ task: 'gradcam', layer: e.last, frozen: true }) },
        { name: 'hooksEarly', run: torch({ task: 'gradcam', layer: e.early, frozen: false }) },
        { name: 'frozenEarly', run: torch({ task: 'gradcam', layer: e.early, frozen: true }) },
      ];
      const rounds = roundsFor(model, n);
      progress(`gradcam: ${model} batch ${n}: ${warmup} warm-up + ${rounds} rounds`);
      const before = load1();
      const t = await interleave(contenders, rounds);
      rows.push({ model, batch: n, t, load: `${before}–${load1()}` });
    }
    await forward.release();
    await exLast.release();
    await exEarly.release();
    await lib.release();
  }

  raw.gradcam = rows.map((r) => ({ model: r.model, batch: r.batch, load: r.load, times: Object.fromEntries(r.t) }));
  table(
    'Grad-CAM: times per batch (ms, median and p10–p90 over the rounds)',
    cols(
      'lrrlrrrrrrrrr',
      'model',
      'batch',
      'rounds',
      'load (1 min)',
      'ort forward',
      'gcam last',
      'gcam last, library call',
      'gcam early',
      'torch forward',
      'torch hooks last',
      'torch frozen last',
      'torch hooks early',
      'torch frozen early',
    ),
    rows.map((r) => {
      const c = (k: string) => spread(r.t.get(k)!);
      return `| ${r.model} | ${r.batch} | ${r.t.get('ort')!.length} | ${r.load} | ${c('ort')} | ${c('gcamLast')} | ${c('libLast')} | ${c('gcamEarly')} | ${c('torchFwd')} | ${c('hooksLast')} | ${c('frozenLast')} | ${c('hooksEarly')} | ${c('frozenEarly')} |`;
    }),
  );
  table(
    'Grad-CAM: ratios (median over rounds of the per-round ratio)',
    cols(
      'lrrrrrrrrr',
      'model',
      'batch',
      'gcam last / ort forward',
      'library last / ort forward',
      'gcam early / ort forward',
      'torch hooks last / gcam last',
      'torch frozen last / gcam last',
      'torch hooks early / gcam early',
      'torch frozen early / gcam early',
      'torch forward / ort forward',
    ),
    rows.map((r) => {
      const p = (a: string, b: string) => ratio(paired(r.t, a, b));
      return `| ${r.model} | ${r.batch} | ${p('gcamLast', 'ort')} | ${p('libLast', 'ort')} | ${p('gcamEarly', 'ort')} | ${p('hooksLast', 'gcamLast')} | ${p('frozenLast', 'gcamLast')} | ${p('hooksEarly', 'gcamEarly')} | ${p('frozenEarly', 'gcamEarly')} | ${p('torchFwd', 'ort')} |`;
    }),
  );
  table(
    'Same maps? Max abs difference of the final 224×224 maps in [0, 1] (2 images, predicted classes)',
    cols(
      'lllrrrrr',
      'model',
      'layer',
      'same classes',
      'gcam vs torch hooks',
      'gcam vs torch frozen',
      'gcam vs torch float64',
      'torch hooks (fp32) vs torch float64',
      'gcam library call vs gcam engine',
    ),
    agree,
  );
  table(
    'Compile (in the driver process, onnxruntime already started; ms)',
    cols(
      'lrrrrrrrrr',
      'model',
      'size',
      'load + decode',
      'plain session',
      'layer list (probe)',
      'explain compile, last (probe + rewrite + session)',
      '**load + compile, last**',
      'explain compile, early',
      'library createImageExplainer',
      'torch: build + load state dict',
    ),
    compile,
  );
}

// ---------------------------------------------------------------------------------------------------------------------

interface MethodConfig {
  model: string;
  method: 'scorecam' | 'ablationcam';
  layer: string;
  chunk: number;
  channels?: number;
  full?: boolean;
  work: string;
}

const METHOD_CONFIGS: MethodConfig[] = [
  {
    model: 'resnet50',
    method: 'scorecam',
    layer: 'layer4',
    chunk: 32,
    channels: 64,
    work: '64 of 2048 channels (largest mean activation): 64 masked forward passes in 2 runs of 32',
  },
  {
    model: 'mobilenet_v2',
    method: 'scorecam',
    layer: 'features.18',
    chunk: 32,
    channels: 128,
    work: '128 of 1280 channels: 128 masked forward passes in 4 runs of 32',
  },
  {
    model: 'mobilenet_v2',
    method: 'scorecam',
    layer: 'features.18',
    chunk: 16,
    work: "all 1280 channels, batch 16 (pytorch-grad-cam's defaults): 1280 masked forward passes in 80 runs of 16",
  },
  {
    model: 'resnet50',
    method: 'ablationcam',
    layer: 'layer4',
    chunk: 32,
    full: true,
    work: 'all 2048 channels; tail (avgpool + fc) re-run in 64 runs of 32',
  },
  {
    model: 'mobilenet_v2',
    method: 'ablationcam',
    layer: 'features.17',
    chunk: 32,
    full: true,
    work: 'all 320 channels; tail (features.18 + pool + classifier) re-run in 10 runs of 32',
  },
];

async function methodsPart(manifest: Record<string, ModelEntry>, x8: Float32Array, worker: TorchWorker): Promise<void> {
  const rows: string[] = [];
  const x = x8.slice(0, PER);
  const tensors = tensorsOf(x, 1);
  const tmp = join(CACHE, 'maps.npy');
  for (const cfg of METHOD_CONFIGS.filter((c) => models.includes(c.model))) {
    const e = manifest[cfg.model];
    progress(`methods: ${cfg.model} ${cfg.method} ${cfg.layer}`);
    await worker.ask({ op: 'load', model: cfg.model, dir: CACHE, threads });
    await worker.ask({ op: 'input', path: INPUT });
    const lib = await createImageExplainer(join(CACHE, e.onnx));
    const options = {
      method: cfg.method,
      layers: [cfg.layer],
      preprocess: 'none' as const,
      batchSize: 1,
      threads,
      scoreCamBatch: cfg.chunk,
      scoreCamChannels: cfg.channels,
      ablationBatch: cfg.chunk,
    };
    const task = cfg.method === 'scorecam' ? 'scorecam' : 'ablation';
    const req = { op: 'run', task, layer: cfg.layer, batch: 1, chunk: cfg.chunk, channels: cfg.channels ?? null };
    // Same maps? (also warms both up)
    const mine = (await lib.explain(tensors, options))[0];
    const ref = await worker.ask<{ targets: number[] }>({ ...req, style: 'tail', maps: tmp });
    const diff = maxAbsDiff(mine.inputMap, loadNpy(tmp));
    const contenders: Contender[] = [
      {
        name: 'gcam',
        run: async () => {
          const s = performance.now();
          await lib.explain(tensors, options);
          return performance.now() - s;
        },
      },
      { name: 'torch', run: async () => (await worker.ask<{ ms: number }>({ ...req, style: 'tail' })).ms },
    ];
    const before = load1();
    const t = await interleave(contenders, methodRounds, 1);
    // pytorch-grad-cam's way (the whole model re-run on every chunk of ablated copies) takes minutes per image on
    // ResNet-50: one round, against the median of gcam's rounds above.
    if (cfg.full) t.set('full', [(await worker.ask<{ ms: number }>({ ...req, style: 'full' })).ms]);
    const loads = `${before}–${load1()}`;
    ((raw.methods ??= []) as unknown[]).push({ ...cfg, load: loads, times: Object.fromEntries(t) });
    await lib.release();
    const label = cfg.method === 'scorecam' ? 'Score-CAM' : 'Ablation-CAM';
    const full = cfg.full ? `${ms(t.get('full')![0])} (${ratio(t.get('full')![0] / median(t.get('gcam')!))}×)` : '–';
    rows.push(
      `| ${cfg.model} | ${label} | \`${cfg.layer}\` | ${loads} | ${cfg.work} | ${spread(t.get('gcam')!)} | ${spread(t.get('torch')!)} | **${ratio(paired(t, 'torch', 'gcam'))}** | ${full} | ${mine.classIndex === ref.targets[0] ? 'yes' : 'NO'} | ${diff.toExponential(1)} |`,
    );
  }
  table(
    `Score-CAM and Ablation-CAM (1 image, ${methodRounds} rounds after 1 warm-up; ms)`,
    cols(
      'lllllrrrrlr',
      'model',
      'method',
      'layer',
      'load (1 min)',
      'work (both sides)',
      'gcam library call',
      'torch reference',
      'torch / gcam',
      'torch, whole model re-run per chunk (pytorch-grad-cam style)',
      'same class',
      'max abs diff of the maps',
    ),
    rows,
  );
}

// ---------------------------------------------------------------------------------------------------------------------

/** onnxruntime's graph optimisation levels, compared on the plain model and on the explain model of the last block. */
const LEVELS = ['disabled', 'basic', 'extended', 'all'] as const;

/**
 * Per model and batch: a plain forward run and the explain run (Grad-CAM engine at the last block) at every graph
 * optimisation level, interleaved; times relative to 'all', the level gcam uses. Session creation per level too.
 */
async function levelsPart(manifest: Record<string, ModelEntry>, x8: Float32Array): Promise<void> {
  const runtime = nodeRuntime();
  const rows: string[] = [];
  for (const model of models) {
    const e = manifest[model];
    progress(`levels: ${model}`);
    const decoded = loadModel(join(CACHE, e.onnx));
    const view = new GraphView(decoded.proto);
    const layers = await listLayers(runtime, decoded, { view, inputShape: [1, C, H, W] });
    const last = resolveLayer(e.last, layers, view);
    const inputName = view.inputs[0].name;
    const outputName = view.outputs[0].name;
    const created: { level: string; forward: Session; explain: ExplainSession; forwardMs: number; explainMs: number }[] = [];
    for (const level of LEVELS) {
      let t0 = performance.now();
      const forward = await runtime.createSession(decoded.bytes, { threads, optimization: level });
      const forwardMs = performance.now() - t0;
      t0 = performance.now();
      const explain = await ExplainSession.create(runtime, decoded, {
        targets: [last],
        inputShape: [1, C, H, W],
        threads,
        optimization: level,
      });
      created.push({ level, forward, explain, forwardMs, explainMs: performance.now() - t0 });
    }
    for (const n of BATCHES) {
      const x = x8.slice(0, n * PER);
      const feed: Record<string, RtTensor> = { [inputName]: { type: 'float32', dims: [n, C, H, W], data: x } };
      const { tw } = await predictedTargets(created[3].forward, feed, outputName, n);
      const timed = (f: () => Promise<unknown>) => async (): Promise<number> => {
        const s = performance.now();
        await f();
        return performance.now() - s;
      };
      const contenders: Contender[] = created.flatMap((c) => [
        { name: `fwd-${c.level}`, run: timed(() => c.forward.run(feed, [outputName])) },
        { name: `exp-${c.level}`, run: timed(() => c.explain.run(x, tw)) },
      ]);
      const before = load1();
      const t = await interleave(contenders, Math.max(3, Math.ceil(roundsFor(model, n) / 2)));
      ((raw.levels ??= []) as unknown[]).push({ model, batch: n, times: Object.fromEntries(t) });
      const cells = created.map(
        (c) =>
          `${ms(median(t.get(`fwd-${c.level}`)!))} / ${ms(median(t.get(`exp-${c.level}`)!))} (${ratio(paired(t, `fwd-${c.level}`, 'fwd-all'))} / ${ratio(paired(t, `exp-${c.level}`, 'exp-all'))})`,
      );
      const sessions = n === 1 ? created.map((c) => `${ms(c.forwardMs)} / ${ms(c.explainMs)}`).join(', ') : '';
      rows.push(`| ${model} | ${n} | ${before}–${load1()} | ${cells.join(' | ')} | ${sessions} |`);
    }
    for (const c of created) {
      await c.forward.release();
      await c.explain.release();
    }
  }
  table(
    "Graph optimisation levels: forward / explain run (ms, median), in brackets relative to 'all' (gcam's level)",
    cols('lrlrrrrl', 'model', 'batch', 'load (1 min)', ...LEVELS, 'session creation, forward / explain (ms), per level'),
    rows,
  );
}

async function rssPart(manifest: Record<string, ModelEntry>): Promise<void> {
  const rows: string[] = [];
  const cold: string[] = [];
  const node = async (spec: Record<string, unknown>) => {
    const r = await measured(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'contender.ts'), JSON.stringify(spec)]);
    if (r.code !== 0) throw new Error(`contender failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      maxrss_kb: number;
      load_ms?: number;
      compile_ms?: number;
      layers_ms?: number;
      run_ms: number[];
    };
  };
  const py = async (spec: Record<string, unknown>) => {
    const r = await measured(PYTHON, [TORCH_WORKER, '--oneshot', JSON.stringify(spec)], { env: pythonEnv(threads) });
    if (r.code !== 0) throw new Error(`torch oneshot failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { maxrss_kb: number; load_ms?: number; run_ms: number[] };
  };
  const base = { input: INPUT, threads, batch: 8, repeat: 2 };
  const rssLoad = load1();
  progress('rss: baselines');
  const nb = await node({ ...base, kind: 'baseline', model: '' });
  const pb = await py({ ...base, model: null, run: null });
  rows.push(`| – | baseline: runtime imported, no model | ${mib(nb.maxrss_kb)} | ${mib(pb.maxrss_kb)} |`);
  for (const model of models) {
    const e = manifest[model];
    const path = join(CACHE, e.onnx);
    progress(`rss: ${model}`);
    const m = { ...base, model: path };
    const pm = { ...base, model, dir: CACHE };
    const fwd = await node({ ...m, kind: 'forward' });
    const tf = await py({ ...pm, run: { task: 'forward', batch: 8 } });
    rows.push(`| ${model} | forward, batch 8 | ${mib(fwd.maxrss_kb)} | ${mib(tf.maxrss_kb)} |`);
    const eng = await node({ ...m, kind: 'gradcam-engine', layer: e.last, tensor: e.last_tensor ?? undefined });
    const lib = await node({ ...m, kind: 'gradcam-library', layer: e.last });
    const hooks = await py({ ...pm, run: { task: 'gradcam', layer: e.last, frozen: false, batch: 8 } });
    const frozen = await py({ ...pm, run: { task: 'gradcam', layer: e.last, frozen: true, batch: 8 } });
    rows.push(
      `| ${model} | Grad-CAM \`${e.last}\`, batch 8 | ${mib(eng.maxrss_kb)} (engine), ${mib(lib.maxrss_kb)} (library call) | ${mib(hooks.maxrss_kb)} (hooks), ${mib(frozen.maxrss_kb)} (frozen) |`,
    );
    // Cold compile: fresh processes, nothing run before (onnxruntime's start-up included).
    const compiles = [eng];
    for (let i = 0; i < 2; i++)
      compiles.push(await node({ ...m, kind: 'gradcam-engine', layer: e.last, tensor: e.last_tensor ?? undefined, repeat: 1 }));
    const lc = compiles.map((c) => c.load_ms! + c.compile_ms!);
    cold.push(
      `| ${model} | ${lc.map(ms).join(', ')} | ${ms(median(compiles.map((c) => c.load_ms!)))} | ${ms(median(compiles.map((c) => c.compile_ms!)))} | ${ms(fwd.load_ms! + fwd.compile_ms!)} | ${ms(lib.load_ms!)} + ${ms(lib.compile_ms!)} | ${ms(median([hooks, frozen, tf].map((c) => c.load_ms!)))} |`,
    );
  }
  table(
    `Peak RSS, each contender in its own process (MiB; one process each: load, compile, 2 runs; load ${rssLoad}–${load1()})`,
    cols('llrr', 'model', 'contender', 'gcam (onnxruntime-node)', 'PyTorch'),
    rows,
  );
  table(
    'Cold compile in a fresh process (ms; onnxruntime start-up included)',
    cols(
      'llrrrrr',
      'model',
      'load + explain compile (last), 3 processes',
      'of which load + decode (median)',
      'explain compile: probe + rewrite + session (median)',
      'plain forward: load + session',
      'library: createImageExplainer (load + layer list) + first explain call (compile + 1 run, batch 8)',
      'torch: build + load state dict (median)',
    ),
    cold,
  );
}

// ---------------------------------------------------------------------------------------------------------------------

const IMAGE_SIZES: [number, number][] = [
  [640, 480],
  [500, 375],
  [800, 600],
  [480, 640],
];

/** `count` synthetic photo-like JPEGs (gradients, discs, noise) of a few sizes, so the part needs no image files. */
async function ensureImages(count: number): Promise<string[]> {
  const dir = join(CACHE, 'images');
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = join(dir, `img${String(i).padStart(2, '0')}.jpg`);
    paths.push(path);
    if (existsSync(path)) continue;
    const [w, h] = IMAGE_SIZES[i % IMAGE_SIZES.length];
    const noise = pseudoRandomNormal(w * h, 1000 + i);
    const discs = Array.from({ length: 5 }, (_, j) => [
      ((j * 97 + i * 31) % 100) / 100,
      ((j * 53 + i * 17) % 100) / 100,
      0.08 + ((j * 13 + i) % 10) / 50,
    ]);
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        const inDisc = discs.some(([cx, cy, r]) => (x / w - cx) ** 2 + (y / h - cy) ** 2 < r * r);
        const base = [(255 * x) / w, (255 * y) / h, 128 + 100 * Math.sin((x + y + i * 7) / 23)];
        for (let c = 0; c < 3; c++) {
          const v = (inDisc ? 255 - base[(c + i) % 3] : base[c]) + 12 * noise[p];
          data[p * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
        }
      }
    await sharp(Buffer.from(data), { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90 })
      .toFile(path);
  }
  return paths;
}

/** The CLI as users run it: compiled JavaScript (tsc, like `npm run build`) into .cache/bench/dist. */
function buildCli(): string {
  const outDir = join(CACHE, 'dist');
  rmSync(outDir, { recursive: true, force: true });
  progress('process: compiling the CLI (tsc -p tsconfig.build.json --outDir .cache/bench/dist)');
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    { cwd: ROOT, encoding: 'utf8' },
  );
  const main = join(outDir, 'cli', 'main.js');
  if (!existsSync(main)) throw new Error(`CLI build failed: ${r.stdout}${r.stderr}`);
  if (r.status !== 0) progress(`tsc reported errors (JavaScript emitted anyway):\n${r.stdout.slice(0, 2000)}`);
  return main;
}

async function processPart(manifest: Record<string, ModelEntry>): Promise<void> {
  const e = manifest.resnet50;
  if (!e || !models.includes('resnet50')) return;
  const cli = buildCli();
  for (const count of processImages) await processRun(e, cli, count);
}

/** One image count of the process part: `--process-rounds` rounds up to 16 images, one round above (minutes each). */
async function processRun(e: ModelEntry, cli: string, count: number): Promise<void> {
  const images = await ensureImages(count);
  const rounds = count <= 16 ? processRounds : 1;
  const outG = join(CACHE, 'out-gcam');
  const outT = join(CACHE, 'out-torch');
  const gcamArgs = [
    cli,
    'explain',
    ...images,
    '--model',
    join(CACHE, e.onnx),
    '--layer',
    e.last,
    '--batch-size',
    '8',
    '--threads',
    String(threads),
    '--out',
    outG,
    '--quiet',
  ];
  const torchArgs = [
    join(ROOT, 'tools', 'bench', 'gradcam_script.py'),
    '--arch',
    'resnet50',
    '--weights',
    join(CACHE, e.state_dict),
    '--layer',
    e.last,
    '--batch-size',
    '8',
    '--threads',
    String(threads),
    '--out',
    outT,
    ...images,
  ];
  const run = async (which: 'gcam' | 'torch') => {
    const dir = which === 'gcam' ? outG : outT;
    rmSync(dir, { recursive: true, force: true });
    const r =
      which === 'gcam'
        ? await measured(process.execPath, gcamArgs)
        : await measured(PYTHON, torchArgs, { env: pythonEnv(threads) });
    if (r.code !== 0) throw new Error(`${which} failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const written = readdirSync(dir).filter((f) => f.endsWith('.png')).length;
    if (written !== images.length) throw new Error(`${which} wrote ${written} PNGs for ${images.length} images`);
    // gcam runs --quiet (as a batch job would): its classes come from the manifest, in input order.
    const classes =
      which === 'gcam'
        ? readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
            .trim()
            .split('\n')
            .map((line) => (JSON.parse(line) as { class: number }).class)
        : [...r.stdout.matchAll(/: class (\d+)/g)].map((m) => Number(m[1]));
    return { ...r, classes };
  };
  progress(`process: ${count} images, warm-up (page cache)`);
  const processLoad = load1();
  if (count <= 16) {
    await run('gcam');
    await run('torch');
  }
  const g: Awaited<ReturnType<typeof run>>[] = [];
  const t: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < rounds; i++) {
    progress(`process: ${count} images, round ${i + 1}/${rounds}`);
    if (i % 2 === 0) {
      g.push(await run('gcam'));
      t.push(await run('torch'));
    } else {
      t.push(await run('torch'));
      g.push(await run('gcam'));
    }
  }
  const wall = (xs: typeof g) => xs.map((r) => r.wallMs / 1000);
  const rss = (xs: typeof g) => Math.max(...xs.map((r) => r.maxRssKb));
  const pairedWall = median(g.map((r, i) => t[i].wallMs / r.wallMs));
  const same = g[0].classes.filter((c, i) => c === t[0].classes[i]).length;
  const runsCell = (xs: typeof g) =>
    `${median(wall(xs)).toFixed(2)} (${wall(xs)
      .map((x) => x.toFixed(2))
      .join(', ')}) | ${mib(rss(xs))}`;
  table(
    `Whole process: ${count} images (JPEG, 480–800 px), ResNet-50 \`${e.last}\`, batch 8, ${threads} threads (load ${processLoad}–${load1()})`,
    cols('llr', 'command', 'wall s: median (runs)', 'peak RSS MiB (max over runs)'),
    [
      `| \`gcam explain\` (compiled CLI, overlays at the photos' size) | ${runsCell(g)} |`,
      `| \`tools/bench/gradcam_script.py\` (hooks + backward, overlays at 224×224) | ${runsCell(t)} |`,
    ],
  );
  say(
    `\nWall-time ratio PyTorch script / gcam (median of per-round ratios): **${ratio(pairedWall)}**; peak RSS ratio ${ratio(rss(t) / rss(g))}. Predicted classes equal for ${same} of ${images.length} images (different JPEG decoders and resizers: sharp vs PIL).`,
  );
}

// ---------------------------------------------------------------------------------------------------------------------

/** gcam/browser against the Node entry: bench/browser.ts in a child process, its report appended as one section. */
function browserPart(): void {
  say('\n### gcam/browser in Chromium against the Node entry (bench/browser.ts)\n');
  if (!existsSync(CHROMIUM)) {
    say(`Skipped: ${CHROMIUM} is missing (apt-get install chromium).`);
    return;
  }
  progress('browser: bench/browser.ts (a fresh page per configuration)');
  const models = ['squeezenet', ...(opts.models!.split(',').includes('resnet50') ? ['resnet50'] : [])];
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench', 'browser.ts'),
      '--rounds',
      opts['browser-rounds']!,
      '--threads',
      String(threads),
      '--models',
      models.join(','),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 },
  );
  if (r.status !== 0) throw new Error(`bench/browser.ts failed (${r.status ?? r.signal})`);
  say(r.stdout.trim());
}

async function main(): Promise<void> {
  const startLoad = loadAvg();
  const started = new Date();
  const manifest = ensureModels();
  const x8 = ensureInput();
  const torchVersion = spawnSync(PYTHON, ['-c', 'import torch, torchvision; print(torch.__version__, torchvision.__version__)'], {
    encoding: 'utf8',
  }).stdout.trim();
  say(`## Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC\n`);
  say(`- machine: ${machine()}`);
  say(
    `- onnxruntime-node ${ort.env.versions.node ?? '?'}; PyTorch / torchvision ${torchVersion} (${PYTHON}); ${threads} threads everywhere (ort intra-op, torch.set_num_threads)`,
  );
  say(`- parts: ${[...parts].join(', ')}; models: ${models.join(', ')}; warm-up rounds ${warmup}`);
  say(`- load average (1, 5, 15 min) at start: ${startLoad}`);
  const worker = new TorchWorker(pythonEnv(threads));
  const probe = await worker.ask<{ blas: string[] }>({ op: 'load', model: models[0], dir: CACHE, threads });
  const openblas = probe.blas.some((b) => b.includes('openblas'));
  say(
    `- PyTorch's BLAS: ${probe.blas.join(', ') || 'none mapped'}${openblas ? ' (OpenBLAS, via LD_LIBRARY_PATH)' : " (WARNING: not OpenBLAS; Debian's reference BLAS makes Linear layers ~17× slower than the PyPI wheels)"}`,
  );
  say('');
  try {
    if (parts.has('gradcam')) await gradcamPart(manifest, x8, worker);
    if (parts.has('methods')) await methodsPart(manifest, x8, worker);
    if (parts.has('levels')) await levelsPart(manifest, x8);
  } finally {
    await worker.close();
  }
  if (parts.has('rss')) await rssPart(manifest);
  if (parts.has('process')) await processPart(manifest);
  if (parts.has('browser')) browserPart();
  say(`\n- load average at end: ${loadAvg()}; duration ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min`);
  const text = report.join('\n') + '\n';
  const out = opts.out ?? join(CACHE, `report-${started.toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(out, text);
  writeFileSync(out.replace(/\.md$/, '') + '.json', JSON.stringify(raw, null, 1) + '\n');
  console.log(text);
  progress(`report written to ${out}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
