/**
 * The viewer, used as a person would use it: `gcam view`'s server (started in-process on a free port of 127.0.0.1)
 * serves a viewer built by buildViewer into a temporary folder (so this test does not depend on `npm run build`) and a
 * photo named on the command line; Chromium (Debian's, through playwright-core) opens it, the photo is explained with
 * the built-in model, a class is clicked, the method and layer switched, methods and layers compared side by side,
 * the map downloaded as .npy and compared with the Node library's map of the same model, photo, layer, method and
 * class (within 1e-4), images added through the file picker and by drop, and a broken model refused with its typed message.
 * Every request the browser made went to the server and carried no body. Then the command itself in child
 * processes: loopback only, a port in use refused (exit 2), Ctrl-C stops it (exit 0).
 *
 * The screenshot for the README is checked (< 300 KB) on every run and written to docs/images/viewer.png with
 * GCAM_UPDATE_SCREENSHOT=1, so a test run does not rewrite a tracked file.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { buildViewer } from '../tools/build-viewer.js';
import { startViewServer, type ViewServer } from '../src/cli/serve.js';
import { builtinModel } from '../src/builtin.js';
import { explain, parseNpy } from '../src/node.js';
import { generateScene } from '../src/scenes/scene.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { CHROMIUM, launchChromium } from './helpers/browser.js';
import { runCli, tempDir } from './helpers/cli.js';
import { worstError } from './helpers/compare.js';

const skip = existsSync(CHROMIUM) ? false : `Debian's chromium is not installed at ${CHROMIUM}`;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SCREENSHOT = join(ROOT, 'docs/images/viewer.png');
/** The page's float32 maps in wasm against onnxruntime-node's, same arithmetic up to the kernels' summation order. */
const TOLERANCE = 1e-4;
/** A square and a ring, drawn at 180 px then stretched to 240×180 so the map goes back onto a non-square photo. */
const PHOTO = { seed: 4_300_001, size: 180, classes: [1, 5], width: 240, height: 180 };
const SECOND_SEED = 4_300_002;
/** A layer other than the default (features.7), with the PyTorch module name the picker shows. */
const LAYER = { tensor: '/net/features/features.5/features.5.2/Relu_output_0', module: 'features.5.2' };

const model = builtinModel();

describe('the viewer in Chromium, through gcam view’s server', { skip, timeout: 90_000 }, () => {
  let viewerDir: string;
  let photoPath: string;
  let photoBytes: Buffer;
  let secondPath: string;
  let server: ViewServer | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  const log: string[] = [];
  const served: string[] = [];
  const requests: { url: string; method: string; body: Buffer | null }[] = [];

  before(async () => {
    viewerDir = tempDir('gcam-viewer-');
    await buildViewer(viewerDir);
    const dir = tempDir();
    photoPath = join(dir, 'photo.png');
    const scene = generateScene(PHOTO.seed, { size: PHOTO.size, classes: PHOTO.classes });
    await sharp(await renderScenePng(scene))
      .resize(PHOTO.width, PHOTO.height, { fit: 'fill' })
      .png()
      .toFile(photoPath);
    photoBytes = readFileSync(photoPath);
    secondPath = join(dir, 'second.png');
    writeFileSync(secondPath, await renderScenePng(generateScene(SECOND_SEED)));
    server = await startViewServer({
      viewerDir,
      images: [photoPath],
      port: 0,
      onRequest: (method, path) => served.push(`${method} ${path}`),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1240, height: 900 }, acceptDownloads: true });
    // onnxruntime-web takes half the cores (at most 4) as wasm threads when the page is cross-origin isolated; this
    // machine may have 2, so 4 are claimed to run the threads (workers of the page's own script) too.
    await context.addInitScript({ content: "Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 4 })" });
    context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), body: r.postDataBuffer() }));
    page = await context.newPage();
    page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Waits until the page is done with what the caption names: status ready, no grid cell still computing. */
  async function settled(...caption: string[]): Promise<void> {
    try {
      await page.waitForFunction(
        (parts) => {
          const state = document.querySelector('#status')?.getAttribute('data-state');
          const text = document.querySelector('#caption')?.textContent ?? '';
          return state === 'ready' && !document.querySelector('#grid .cell.pending') && parts.every((p) => text.includes(p));
        },
        caption,
        { timeout: 30_000 },
      );
    } catch (e) {
      const state = await page.evaluate(() => ({
        status: document.querySelector('#status')?.textContent?.trim(),
        error: document.querySelector('#error:not([hidden])')?.textContent?.trim(),
        caption: document.querySelector('#caption')?.textContent,
      }));
      throw withLog(new Error(`the page did not settle on ${JSON.stringify(caption)}: ${JSON.stringify(state)}`, { cause: e }));
    }
  }

  function withLog(e: Error): Error {
    if (log.length) e.message += `\npage log:\n${log.join('\n')}`;
    return e;
  }

  it('explains the photo gcam view was given; class, method, layer and comparisons as a user picks them', async (t) => {
    await page.goto(server!.url);
    await settled('photo.png', 'gradcam', 'features.7');
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page cross-origin isolated');
    // The built-in model's own preprocessing is preselected for it.
    assert.equal(await page.inputValue('#pp-preset'), 'builtin');
    assert.equal(await page.inputValue('#layer'), '/net/features/features.7/Conv_output_0');
    assert.equal(await page.locator('#method option').count(), 13, 'every method of the registry');
    assert.equal(await page.locator('#layer option').count(), 16, 'every layer the explainer lists');
    assert.equal(await page.locator('#grid .cell.done').count(), 4, 'four methods side by side');
    assert.equal(await page.locator('#predictions li').count(), 5, 'the top 5 predictions');

    const screenshot = await sharp(await page.screenshot())
      .png({ palette: true, compressionLevel: 9, effort: 10 })
      .toBuffer();
    assert.ok(screenshot.length < 300_000, `the screenshot takes ${screenshot.length} bytes`);
    if (process.env.GCAM_UPDATE_SCREENSHOT === '1') writeFileSync(SCREENSHOT, screenshot);
    t.diagnostic(`screenshot ${(screenshot.length / 1024).toFixed(0)} KiB`);

    // A class below the top one: its map replaces the predicted class's.
    const second = page.locator('#predictions li').nth(1);
    const classIndex = Number(await second.getAttribute('data-index'));
    const label = model.labels[classIndex];
    await second.locator('button').click();
    await settled(`· ${label} (`);
    assert.equal(await second.locator('button').getAttribute('aria-pressed'), 'true');

    // The search box finds classes by label.
    await page.fill('#class-search', 'tri');
    assert.deepEqual(await page.locator('#search-results li .class-label').allTextContents(), ['triangle']);

    await page.selectOption('#method', 'gradcam++');
    await page.selectOption('#layer', LAYER.tensor);
    await settled(`· ${label} (`, 'gradcam++ at features.5.2');
    assert.equal(await page.locator('#grid .cell.done').count(), 4);
    assert.equal(await page.locator('#grid .cell.current').count(), 1, 'the large view’s method is marked in the grid');

    // The value under the cursor, and the peak marked.
    await page.hover('#main-canvas', { position: { x: 40, y: 40 } });
    assert.match((await page.textContent('#readout')) ?? '', /^\(\d+, \d+\) = \d\.\d{4}$/);
    assert.equal(await page.locator('#main-peak').isVisible(), true);

    // The map downloaded as .npy is the Node library's map.
    const [npy] = await Promise.all([page.waitForEvent('download'), page.click('#download-npy')]);
    const got = parseNpy(readFileSync(await npy.path()), npy.suggestedFilename());
    const [expected] = await explain(model.path, [photoPath], {
      method: 'gradcam++',
      layers: [LAYER.tensor],
      classes: [classIndex],
      preprocess: model.preprocess,
      labels: model.labels,
    });
    assert.deepEqual(got.dims, [PHOTO.height, PHOTO.width], 'the map at the photo’s own size');
    const e = worstError(got.data, expected.map, 'downloaded map');
    assert.ok(e.worst <= TOLERANCE, `the downloaded map differs from Node's by ${e.worst} at ${e.at}`);
    t.diagnostic(`max |viewer − node| ${e.worst.toExponential(2)}`);

    const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download-json')]);
    const manifest = JSON.parse(readFileSync(await json.path(), 'utf8'));
    assert.equal(manifest.model, 'shapes.onnx (built-in)');
    assert.equal(manifest.image, 'photo.png');
    assert.deepEqual([manifest.method, manifest.layer, manifest.tensor], ['gradcam++', LAYER.module, LAYER.tensor]);
    assert.deepEqual(manifest.class, { index: classIndex, label });
    assert.ok(Math.abs(manifest.score - expected.score) <= TOLERANCE, `score ${manifest.score} vs ${expected.score}`);
    assert.equal(manifest.files.map, npy.suggestedFilename());

    const [png] = await Promise.all([page.waitForEvent('download'), page.click('#download-png')]);
    assert.equal(png.suggestedFilename(), manifest.files.overlay);
    const meta = await sharp(await png.path()).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', PHOTO.width, PHOTO.height]);

    // Layers side by side with the method.
    await page.selectOption('#compare', 'layers');
    await settled('gradcam++ at features.5.2');
    const layers = await page.locator('#grid .cell').evaluateAll((cells) => cells.map((c) => (c as HTMLElement).dataset.layer));
    assert.equal(layers.length, 4);
    assert.ok(layers.includes(LAYER.tensor) || layers.includes('/net/features/features.7/Conv_output_0'));
    assert.equal(await page.locator('#grid .cell.done').count(), 4);
  });

  it('adds images from the file picker and by drop, and shows a broken model’s typed error, keeping the model it had', async () => {
    await page.setInputFiles('#image-files', secondPath);
    await settled('second.png');
    assert.equal(await page.locator('#thumbs .thumb').count(), 2);
    // A file dropped on the page, as a file manager's drag and drop delivers it.
    await page.evaluate(
      (bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
      },
      [...readFileSync(secondPath)],
    );
    await settled('dropped.png');
    assert.equal(await page.locator('#thumbs .thumb').count(), 3);

    await page.setInputFiles('#model-file', {
      name: 'broken.onnx',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from('not onnx'),
    });
    await page.locator('#error').waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(await page.textContent('#error-name'), 'InvalidModelError');
    assert.match((await page.textContent('#error-message')) ?? '', /not a readable ONNX model/);
    await settled('dropped.png');
    assert.equal(await page.textContent('#model-name'), 'shapes.onnx (built-in)');
    assert.deepEqual(
      log.filter((l) => l.startsWith('page error')),
      [],
    );
  });

  it('sends every request to 127.0.0.1 and none with a body: the images stay in the page', () => {
    assert.ok(requests.length > 5, `${requests.length} requests`);
    const origin = new URL(server!.url).origin;
    for (const r of requests) {
      const local = new URL(r.url).origin === origin || /^(blob|data):/.test(r.url);
      assert.ok(local, `a request left the server: ${r.method} ${r.url}`);
      assert.equal(r.method, 'GET', `${r.method} ${r.url}`);
      assert.ok(!r.body || !r.body.includes(photoBytes.subarray(0, 64)), `${r.url} carried the photo`);
      assert.equal(r.body, null, `${r.url} carried a body`);
    }
    assert.ok(served.includes('GET /user/manifest.json') && served.includes('GET /user/images/0.png'), served.join(', '));
    assert.ok(
      served.every((s) => s.startsWith('GET ')),
      served.join(', '),
    );
  });

  it('gcam view: loopback only, another Host refused, a port in use refused (exit 2), Ctrl-C stops it (exit 0)', async () => {
    assert.equal(server!.address.address, '127.0.0.1');
    // Not reachable through this machine's other addresses.
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (external) await assert.rejects(connectTo(external.address, server!.address.port), /ECONNREFUSED/);
    // A page of another site whose name resolves to 127.0.0.1 (DNS rebinding) sends its own Host.
    assert.equal(await statusWithHost(server!.address.port, 'attacker.example'), 403);

    const env = { ...process.env, GCAM_VIEWER_DIR: viewerDir };
    const first = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'view', model.path, photoPath, '--port', '0'],
      {
        cwd: ROOT,
        env,
      },
    );
    try {
      const url = await printedUrl(first);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
      assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
      const listed = await (await fetch(new URL('user/manifest.json', url))).json();
      assert.deepEqual(listed.images, [{ url: 'user/images/0.png', name: 'photo.png' }]);
      assert.deepEqual(listed.model, { url: 'user/model.onnx', name: 'shapes.onnx' });
      const served = new Uint8Array(await (await fetch(new URL('user/model.onnx', url))).arrayBuffer());
      assert.ok(Buffer.from(served).equals(readFileSync(model.path)), 'the model named on the command line is served as is');

      const port = new URL(url).port;
      const taken = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'view', '--port', port], {
        cwd: ROOT,
        env,
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(taken.status, 2, taken.stderr);
      assert.match(taken.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is in use; choose another with --port`));

      first.kill('SIGINT');
      const [code, signal] = await exited(first);
      assert.deepEqual([code, signal], [0, null]);
    } finally {
      first.kill('SIGKILL');
    }
  });

  it('gcam view without a built viewer says to run npm run build', async () => {
    const saved = process.env.GCAM_VIEWER_DIR;
    process.env.GCAM_VIEWER_DIR = tempDir('gcam-no-viewer-');
    try {
      const r = await runCli(['view', '--port', '0']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /The viewer is not built .*run `npm run build` first/);
    } finally {
      if (saved === undefined) delete process.env.GCAM_VIEWER_DIR;
      else process.env.GCAM_VIEWER_DIR = saved;
    }
  });
});

function connectTo(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

function statusWithHost(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/user/manifest.json', headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once('error', reject);
    req.end();
  });
}

/** The URL the command prints once it listens. */
function printedUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`gcam view printed no URL in 30 s: ${out} ${err}`)), 30_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`gcam view exited (${code}) before listening: ${out} ${err}`)));
  });
}

function exited(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
}
