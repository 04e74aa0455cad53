/**
 * Explain run vs plain forward run, same process, same onnxruntime-node build and thread count.
 *
 *   npm run bench:explain -- <model.onnx> [--layer tensorName] [--runs N] [--threads T] [--size S] [--warmup W]
 *
 * Times: compile (load + probe + rewrite + explain-session creation), then per batch size (1 and 8; 8 is skipped when
 * the model fixes its batch dimension) the median of N interleaved runs (forward, explain, forward, explain, …) after
 * W warm-up runs of each. The forward session is the user's model as is; the explain run is ExplainSession.run (scores + A +
 * dA for the layer). Prints markdown tables and the machine. See docs/benchmarks.md.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import {
  ExplainSession,
  GraphView,
  defaultLayer,
  listLayers,
  loadModel,
  nodeRuntime,
  resolveLayer,
  type RtTensor,
} from '../src/node.js';
import { loadAvg, machine, median, ms, spread } from './lib.js';

const USAGE =
  'usage: npm run bench:explain -- <model.onnx> [--layer tensorName] [--runs N] [--threads T] [--size S] [--warmup W]';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    layer: { type: 'string' },
    runs: { type: 'string', default: '20' },
    threads: { type: 'string', default: '2' },
    size: { type: 'string', default: '224' },
    warmup: { type: 'string', default: '3' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opts.help || positionals.length !== 1) {
  console.log(USAGE);
  process.exit(opts.help ? 0 : 2);
}
const modelPath = positionals[0];
const runs = positiveInt(opts.runs!, '--runs');
const threads = positiveInt(opts.threads!, '--threads');
const size = positiveInt(opts.size!, '--size');
const warmup = positiveInt(opts.warmup!, '--warmup', true);

function positiveInt(s: string, name: string, zeroOk = false): number {
  const v = Number(s);
  if (!Number.isInteger(v) || v < (zeroOk ? 0 : 1)) {
    console.error(`${name} must be a ${zeroOk ? 'non-negative' : 'positive'} integer; got '${s}'.\n${USAGE}`);
    process.exit(2);
  }
  return v;
}

/** Deterministic pseudo-random data in [0, 1) (timing does not depend on the values, but avoid all-zero inputs). */
function pseudoRandom(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 4294967296;
  }
  return out;
}

async function main(): Promise<void> {
  console.log(`# gcam bench: explain vs forward\n`);
  console.log(`- model: ${modelPath} (${(statSync(modelPath).size / 1e6).toFixed(1)} MB)`);
  console.log(`- machine: ${machine()}`);
  console.log(`- onnxruntime-node ${ort.env.versions.node ?? '?'} (common ${ort.env.versions.common})`);
  console.log(
    `- threads ${threads} (intra-op, both sessions), graph optimisation 'all', ${runs} timed runs each after ${warmup} warm-up runs`,
  );
  console.log(`- load average at start: ${loadAvg()}`);

  const runtime = nodeRuntime();

  // Compile: load + probe + rewrite + explain-session creation. The forward session is created first so that the
  // one-time onnxruntime environment start-up is charged to it, not to the explain compile.
  let t = performance.now();
  const decoded = loadModel(modelPath);
  const view = new GraphView(decoded.proto);
  const loadMs = performance.now() - t;

  const input = view.inputs[0];
  if (view.inputs.length !== 1 || input.dims?.length !== 4)
    throw new Error(`The bench needs a model with one 4-D image input; inputs: ${JSON.stringify(view.inputs)}`);
  const fixed = (d: number | string | null): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);
  const [dn, dc, dh, dw] = input.dims;
  const channels = fixed(dc) ?? 3;
  const [h, w] = [fixed(dh) ?? size, fixed(dw) ?? size];
  const fixedBatch = fixed(dn);
  const batches = fixedBatch !== undefined ? [fixedBatch] : [1, 8];

  // The same layer resolution as the library and CLI (names, module paths, default = last spatial layer).
  const layers = await listLayers(runtime, decoded, { view, inputShape: [fixedBatch ?? 1, channels, h, w] });
  const layer = opts.layer ? resolveLayer(opts.layer, layers, view) : defaultLayer(layers, view).tensor;
  console.log(`- input '${input.name}' [${input.dims.join(', ')}] → run at [N, ${channels}, ${h}, ${w}]`);
  console.log(`- layer: ${layer}${opts.layer ? '' : ' (default: last layer with spatial extent > 1)'}`);

  t = performance.now();
  const forward = await runtime.createSession(decoded.bytes, { threads, optimization: 'all' });
  const forwardSessionMs = performance.now() - t;

  t = performance.now();
  const explainer = await ExplainSession.create(runtime, decoded, {
    targets: [layer],
    inputShape: [fixedBatch ?? 1, channels, h, w],
    threads,
    optimization: 'all',
  });
  const compileMs = performance.now() - t;

  console.log(`\n## Compile\n`);
  console.log(`| step | ms |`);
  console.log(`| --- | ---: |`);
  console.log(`| load + decode model | ${ms(loadMs)} |`);
  console.log(`| forward session creation (plain model, incl. onnxruntime start-up) | ${ms(forwardSessionMs)} |`);
  console.log(`| explain compile: probe + rewrite + explain session creation | ${ms(compileMs)} |`);
  console.log(`| **compile total (load + explain compile)** | **${ms(loadMs + compileMs)}** |`);
  console.log(
    `\nExplain model: ${(explainer.model.bytes.length / 1e6).toFixed(1)} MB (plain ${(decoded.bytes.length / 1e6).toFixed(1)} MB), ` +
      `opset ${explainer.model.opset}, layer dims at batch ${fixedBatch ?? 1}: [${explainer.model.layers[0].dims.join(', ')}], ${explainer.model.numClasses} classes.`,
  );

  const outputName = view.outputs[0].name;
  const rows: string[] = [];
  const notes: string[] = [];
  if (fixedBatch !== undefined)
    notes.push(
      `Batch 8 skipped (only batch ${fixedBatch} run): the model fixes the batch dimension of '${input.name}' to ${fixedBatch}.`,
    );
  for (const n of batches) {
    const x = pseudoRandom(n * channels * h * w, 12345 + n);
    const k = explainer.model.numClasses;
    const tw = new Float32Array(n * k);
    for (let i = 0; i < n; i++) tw[i * k + ((i * 37) % k)] = 1;
    const feed: Record<string, RtTensor> = { [input.name]: { type: 'float32', dims: [n, channels, h, w], data: x } };

    const runForward = async (): Promise<number> => {
      const t0 = performance.now();
      await forward.run(feed, [outputName]);
      return performance.now() - t0;
    };
    const runExplain = async (): Promise<number> => {
      const t0 = performance.now();
      await explainer.run(x, tw);
      return performance.now() - t0;
    };
    for (let i = 0; i < warmup; i++) {
      await runForward();
      await runExplain();
    }
    const f: number[] = [];
    const e: number[] = [];
    for (let i = 0; i < runs; i++) {
      f.push(await runForward());
      e.push(await runExplain());
    }
    const ratio = median(e) / median(f);
    const paired = median(e.map((v, i) => v / f[i]));
    rows.push(`| ${n} | ${spread(f)} | ${spread(e)} | ${ratio.toFixed(2)} | ${paired.toFixed(2)} |`);
    console.error(`  batch ${n} done`);
  }

  console.log(`\n## Runs (ms: median (p10–p90) of ${runs})\n`);
  console.log(`| batch | forward ms | explain ms | explain/forward (medians) | explain/forward (median of paired runs) |`);
  console.log(`| ---: | ---: | ---: | ---: | ---: |`);
  for (const r of rows) console.log(r);
  for (const note of notes) console.log(`\n${note}`);
  console.log(`\n- load average at end: ${loadAvg()}`);

  await forward.release();
  await explainer.release();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? `${e.name}: ${e.message}` : e);
  process.exit(1);
});
