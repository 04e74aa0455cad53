/**
 * gcam/browser's speed in Chromium against the Node entry's, in the same run (not a test):
 *
 *   node --import tsx bench/browser.ts [--rounds 9] [--threads 2] [--models squeezenet,resnet50] [--webgpu-models squeezenet]
 *
 * Per model and configuration, a fresh page (onnxruntime-web fixes its threads when it starts) loads the prebuilt
 * bundle (built into a temporary folder by tools/build-browser.ts) and reports the time to first map: from
 * createImageExplainer on the model's URL to the first explain of the photo (fetched and decoded by the page), so
 * it includes onnxruntime-web's start (the 27 MiB wasm compiled, never cached: the server says no-store), the model
 * fetch and the explain model's compile; then the same for a second explainer on the started runtime. Per image:
 * `rounds` explains of the photo's URL, each paired with one of the Node entry (onnxruntime-node, same threads, the
 * photo's file), alternating so that the machine's load hits both alike; the ratio is the median of the per-round
 * ratios. Configurations: wasm with 1 thread, and with `threads` threads on the cross-origin-isolated page (the
 * server sends COOP/COEP, which multi-threaded wasm needs); WebGPU when the browser gives an adapter, against Node's
 * 1 thread (what navigator.gpu says is reported either way). Models: SqueezeNet 1.1 from ../shared (Caffe input) and
 * ResNet-50 from .cache/bench/resnet50.onnx (torchvision, random weights, ImageNet input; exported by
 * tools/export_bench_models.py when missing, skipped when it cannot be). Photo: ../shared/images/chelsea.png.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createImageExplainer } from '../src/node.js';
import { buildBrowser } from '../tools/build-browser.js';
import { CHROMIUM, serve, type Asset, type Served } from '../test/helpers/browser.js';
import { CACHE, PYTHON, ROOT, loadAvg, machine, maxAbsDiff, median, ms, ratio, readManifest, spread } from './lib.js';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '9' },
    threads: { type: 'string', default: '2' },
    models: { type: 'string', default: 'squeezenet,resnet50' },
    'webgpu-models': { type: 'string', default: 'squeezenet' },
  },
});
const rounds = Number(args.rounds);
const threads = Number(args.threads);
if (!(rounds >= 5) || !(threads >= 2)) throw new Error('--rounds must be ≥ 5 and --threads ≥ 2');

const SHARED = join(ROOT, '..', 'shared');
const PHOTO = join(SHARED, 'images', 'chelsea.png');

interface Model {
  key: string;
  name: string;
  path: string;
  preprocess: 'caffe' | 'imagenet';
}

interface Started {
  firstMs: number;
  inputMap: Float32Array;
  classIndex: number;
  isolated: boolean;
}

/** A page as a user writes one: the bundle imported from beside it, onnxruntime-web's settings made first. */
const PAGE = `<!doctype html><meta charset="utf-8"><title>gcam/browser bench</title><link rel="icon" href="data:,">
<script type="module">
import * as gcam from './gcam.js';
const image = './chelsea.png';
let ex, request;
const create = () => gcam.createImageExplainer(request.model, request.ep === 'webgpu'
  ? { platform: { ...gcam.webPlatform(), runtime: gcam.webRuntime({ executionProviders: ['webgpu'] }) } } : {});
window.gcamBench = {
  async gpu() {
    if (!navigator.gpu) return 'navigator.gpu is undefined';
    const a = await navigator.gpu.requestAdapter();
    if (!a) return 'navigator.gpu is there, requestAdapter() gives null';
    const i = a.info ?? {};
    return [i.vendor, i.architecture, i.description].filter(Boolean).join(' ') + (i.isFallbackAdapter ? ' (software fallback adapter)' : '');
  },
  async start(r) {
    request = r;
    gcam.ortEnv.wasm.numThreads = r.threads;
    const t0 = performance.now();
    ex = await create();
    const [first] = await ex.explain([image], { preprocess: r.preprocess });
    return { firstMs: performance.now() - t0, inputMap: first.inputMap, classIndex: first.classIndex, isolated: crossOriginIsolated };
  },
  async once() {
    const t = performance.now();
    await ex.explain([image], { preprocess: request.preprocess });
    return performance.now() - t;
  },
  async again() {
    await ex.release();
    const t = performance.now();
    const second = await create();
    await second.explain([image], { preprocess: request.preprocess });
    const ms = performance.now() - t;
    await second.release();
    return ms;
  },
};
</script>`;

interface StartRequest {
  model: string;
  preprocess: string;
  threads: number;
  ep: 'wasm' | 'webgpu';
}
declare global {
  var gcamBench: {
    gpu(): Promise<string>;
    start(r: StartRequest): Promise<Started>;
    once(): Promise<number>;
    again(): Promise<number>;
  };
}

/** Debian's chromium, offline; with WebGPU allowed or with the GPU off (as the tests run it). */
const launch = (webgpu: boolean): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      webgpu ? '--enable-unsafe-webgpu' : '--disable-gpu',
    ],
    timeout: 60_000,
  });

function models(): Model[] {
  const wanted = args.models.split(',');
  const out: Model[] = [];
  const squeezenet = join(SHARED, 'models', 'squeezenet1.1', 'squeezenet1.1.onnx');
  if (wanted.includes('squeezenet'))
    if (existsSync(squeezenet)) out.push({ key: 'squeezenet', name: 'SqueezeNet 1.1', path: squeezenet, preprocess: 'caffe' });
    else console.error(`skipping SqueezeNet: ${squeezenet} is missing`);
  const resnet = wanted.includes('resnet50') ? resnet50() : undefined;
  if (resnet) out.push({ key: 'resnet50', name: 'ResNet-50', path: resnet, preprocess: 'imagenet' });
  return out;
}

/** .cache/bench/resnet50.onnx, exported as bench/run.ts does when missing; undefined when it cannot be. */
function resnet50(): string | undefined {
  const have = () => {
    const e = existsSync(join(CACHE, 'manifest.json')) ? readManifest().resnet50 : undefined;
    return e && existsSync(join(CACHE, e.onnx)) ? join(CACHE, e.onnx) : undefined;
  };
  if (have()) return have();
  console.error('exporting ResNet-50 (tools/export_bench_models.py)');
  spawnSync(PYTHON, [join(ROOT, 'tools', 'export_bench_models.py'), '--models', 'resnet50'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: 600_000,
  });
  if (!have()) console.error('skipping ResNet-50: it could not be exported (needs python3-torch and torchvision)');
  return have();
}

/** One configuration: a fresh page and a fresh Node explainer, then paired rounds. A table row, or why it failed. */
async function measure(browser: Browser, server: Served, m: Model, file: string, t: number, ep: 'wasm' | 'webgpu') {
  const page: Page = await browser.newPage();
  try {
    await page.goto(`${server.origin}/index.html`, { waitUntil: 'load' });
    const request: StartRequest = { model: `./${file}`, preprocess: m.preprocess, threads: t, ep };
    const b = await page.evaluate((r) => gcamBench.start(r), request);
    if (!b.isolated) throw new Error('the page is not cross-origin isolated');
    const n0 = performance.now();
    const ex = await createImageExplainer(m.path);
    const options = { preprocess: m.preprocess, threads: t };
    const [n] = await ex.explain([PHOTO], options);
    const nodeFirstMs = performance.now() - n0;
    const inBrowser: number[] = [];
    const inNode: number[] = [];
    for (let i = 0; i < rounds; i++) {
      inBrowser.push(await page.evaluate(() => gcamBench.once()));
      const s = performance.now();
      await ex.explain([PHOTO], options);
      inNode.push(performance.now() - s);
    }
    await ex.release();
    const warmMs = await page.evaluate(() => gcamBench.again());
    const paired = median(inBrowser.map((x, i) => x / inNode[i]));
    const same = b.classIndex === n.classIndex ? maxAbsDiff(b.inputMap, n.inputMap).toExponential(1) : 'another class';
    return `${ms(b.firstMs)} / ${ms(warmMs)} | ${ms(nodeFirstMs)} | ${spread(inBrowser)} | ${spread(inNode)} | ${ratio(paired)}× | ${same}`;
  } catch (e) {
    return `failed: ${(e as Error).message.split('\n')[0]} | | | | |`;
  } finally {
    await page.close();
  }
}

async function gpuSays(browser: Browser, server: Served): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(`${server.origin}/index.html`, { waitUntil: 'load' });
    return await page.evaluate(() => gcamBench.gpu());
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM) || !existsSync(PHOTO)) throw new Error(`needs ${CHROMIUM} and ${PHOTO}`);
  const list = models();
  const dir = mkdtempSync(join(tmpdir(), 'gcam-bench-browser-'));
  try {
    await buildBrowser(dir);
    writeFileSync(join(dir, 'index.html'), PAGE);
    copyFileSync(PHOTO, join(dir, 'chelsea.png'));
    for (const m of list) copyFileSync(m.path, join(dir, `${m.key}.onnx`));
    const assets: Record<string, Asset> = Object.fromEntries(readdirSync(dir).map((f) => [`/${f}`, { file: join(dir, f) }]));
    const server = await serve(assets);
    const plain = await launch(false);
    const webgpu = await launch(true);
    const version = plain.version();
    const gpu = { plain: await gpuSays(plain, server), unsafe: await gpuSays(webgpu, server) };
    const hasAdapter = !gpu.unsafe.startsWith('navigator.gpu');
    const rows: string[] = [];
    const loadBefore = loadAvg();
    const row = (m: Model, config: string, cells: string) => {
      rows.push(`| ${m.name} | ${config} | ${cells} |`);
      // Progress on stderr: stdout is the report alone (npm run bench appends it to its own).
      console.error(rows.at(-1));
    };
    for (const m of list) {
      const file = `${m.key}.onnx`;
      row(m, 'wasm, 1 thread', await measure(plain, server, m, file, 1, 'wasm'));
      row(m, `wasm, ${threads} threads`, await measure(plain, server, m, file, threads, 'wasm'));
      if (hasAdapter && args['webgpu-models'].split(',').includes(m.key))
        row(m, `WebGPU (${gpu.unsafe})`, await measure(webgpu, server, m, file, 1, 'webgpu'));
    }
    await Promise.all([plain.close(), webgpu.close(), server.close()]);
    console.log(
      [
        '',
        `${machine()}, Chromium ${version}; load average ${loadBefore} before, ${loadAvg()} after; ${rounds} paired rounds`,
        `navigator.gpu: with --disable-gpu: ${gpu.plain}; with --enable-unsafe-webgpu: ${gpu.unsafe}`,
        '',
        '| model | browser | first map, browser: fresh page / second model (ms) | first map, Node (ms) | per image, browser (ms) | per image, Node (ms) | browser/Node | max \\|Δ\\| 224×224 map |',
        '|---|---|---|---|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
