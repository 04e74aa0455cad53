/**
 * gcam/browser, the prebuilt bundle, as a user serves it: a bare HTML page (test/browser-bundle/page.html) with a
 * plain module script importing ./gcam.js, no bundler, in a folder holding only the built dist/browser files, a
 * model and images. Its maps equal the Node entry's; a folder without the wasm files gives an error naming the URLs
 * tried, and setWasmPaths points a page elsewhere. The bundle is built by the test itself (tools/build-browser.ts),
 * into that folder, so it is never a stale one.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildBrowser } from '../tools/build-browser.js';
import { builtinModel } from '../src/builtin.js';
import { createImageExplainer, type ExplainOptions } from '../src/node.js';
import { WASM_FILES } from '../src/web.js';
import { generateScene } from '../src/scenes/scene.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { CHROMIUM, launchChromium, openPage, serve, type Asset, type Served } from './helpers/browser.js';
import { worstError } from './helpers/compare.js';
import { needsShared, sharedPath, SQUEEZENET } from './helpers/shared.js';

const skip = existsSync(CHROMIUM) ? false : `Debian's chromium is not installed at ${CHROMIUM}`;
const CHELSEA = 'images/chelsea.png';
const PAGE = new URL('browser-bundle/page.html', import.meta.url);

/** What page.html's explain takes and gives (see its comment). */
type PageImage = { kind: 'url' | 'file' | 'bitmap' | 'canvas' | 'imageData'; url: string };
interface PageRequest {
  model: { url: string } | { file: string };
  preprocess: string | { shapesJson: string };
  images: PageImage[];
}
interface PageMap {
  image: number;
  source: string;
  classIndex: number;
  score: number;
  map: Float32Array;
  layerMap: Float32Array;
  inputMap: Float32Array;
}
declare global {
  var gcamBundle: {
    exports(): string[];
    crossOriginIsolated(): boolean;
    explain(request: PageRequest): Promise<{ overlayPngBytes: number; maps: PageMap[] }>;
  };
}

/** What the bundle must expose: the Node entry's high-level API, with the browser's image helpers. */
const API = [
  'createImageExplainer',
  'explain',
  'parseNpy',
  'listLayers',
  'METHODS',
  'COLORMAPS',
  'heatmap',
  'overlay',
  'decodeImage',
  'encodePng',
  'toImageData',
  'setWasmPaths',
  'ortEnv',
];

describe('gcam/browser: the prebuilt bundle on a bare page', { skip, timeout: 120_000 }, () => {
  const builtin = builtinModel();
  let dir: string;
  let server: Served;
  let browser: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gcam-bundle-'));
    const built = await buildBrowser(dir);
    copyFileSync(PAGE, join(dir, 'index.html'));
    copyFileSync(builtin.path, join(dir, 'shapes.onnx'));
    copyFileSync(builtin.path.replace(/\.onnx$/, '.json'), join(dir, 'shapes.json'));
    writeFileSync(join(dir, 'a.png'), await renderScenePng(generateScene(3_200_001, { size: 150 })));
    writeFileSync(join(dir, 'b.png'), await renderScenePng(generateScene(3_200_002)));
    const chelsea = sharedPath(CHELSEA);
    const squeezenet = sharedPath(SQUEEZENET);
    if (chelsea) copyFileSync(chelsea, join(dir, 'chelsea.png'));
    if (squeezenet) copyFileSync(squeezenet, join(dir, 'squeezenet.onnx'));
    const assets: Record<string, Asset> = Object.fromEntries(readdirSync(dir).map((f) => [`/${f}`, { file: join(dir, f) }]));
    // The same page and bundle one folder down, without the wasm files.
    for (const f of ['index.html', 'gcam.js', 'gcam.js.map']) assets[`/nowasm/${f}`] = { file: join(dir, f) };
    assert.deepEqual(Object.keys(built.files).sort(), ['gcam.js', 'gcam.js.map', ...WASM_FILES].sort());
    server = await serve(assets);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exposes the high-level API and explains a PNG and page images as the Node entry does', async (t) => {
    const request: PageRequest = {
      model: { file: '/shapes.onnx' },
      preprocess: { shapesJson: '/shapes.json' },
      images: [
        { kind: 'url', url: '/a.png' },
        { kind: 'file', url: '/a.png' },
        { kind: 'canvas', url: '/b.png' },
        { kind: 'bitmap', url: '/b.png' },
        { kind: 'imageData', url: '/b.png' },
      ],
    };
    const got = await inPage('/index.html', async () => {
      const exports = await page().evaluate(() => gcamBundle.exports());
      for (const name of API) assert.ok(exports.includes(name), `the bundle exports no ${name}`);
      return page().evaluate((r) => gcamBundle.explain(r), request);
    });
    assert.ok(got.overlayPngBytes > 0, 'the page encoded no overlay PNG');
    const files = ['a.png', 'a.png', 'b.png', 'b.png', 'b.png'].map((f) => join(dir, f));
    const want = await nodeMaps(builtin.path, files, { preprocess: builtin.preprocess });
    assert.deepEqual(
      got.maps.map((m) => m.source),
      ['/a.png', 'a.png', 'image #2', 'image #3', 'image #4'],
      'sources: the URL, the File’s name, then unnamed',
    );
    t.diagnostic(compare(got.maps, want, ['map', 'layerMap'], 1e-5));
  });

  it('says which URLs it tried when the wasm files are missing, and takes setWasmPaths', async () => {
    const origin = server.origin;
    const request: PageRequest = {
      model: { url: '/shapes.onnx' },
      preprocess: { shapesJson: '/shapes.json' },
      images: [{ kind: 'url', url: '/a.png' }],
    };
    await inPage('/nowasm/index.html', () =>
      assert.rejects(
        page().evaluate((r) => gcamBundle.explain(r), request),
        (e: Error) => {
          for (const f of WASM_FILES) assert.ok(e.message.includes(`${origin}/nowasm/${f}`), `no URL of ${f} in: ${e.message}`);
          assert.match(e.message, /RuntimeError: [\s\S]*setWasmPaths\(url\)/);
          return true;
        },
      ),
    );
    const got = await inPage('/nowasm/index.html?wasm=../', () => page().evaluate((r) => gcamBundle.explain(r), request));
    assert.equal(got.maps.length, 1);
  });

  it('gives SqueezeNet’s 224×224 map of a photo as the Node entry does', needsShared(SQUEEZENET), async (t) => {
    const skipPhoto = needsShared(CHELSEA).skip;
    if (skipPhoto) return t.skip(skipPhoto);
    const request: PageRequest = {
      model: { url: '/squeezenet.onnx' },
      preprocess: 'caffe',
      images: [{ kind: 'url', url: '/chelsea.png' }],
    };
    const got = await inPage('/index.html', () => page().evaluate((r) => gcamBundle.explain(r), request));
    const want = await nodeMaps(join(dir, 'squeezenet.onnx'), [join(dir, 'chelsea.png')], { preprocess: 'caffe' });
    t.diagnostic(compare(got.maps, want, ['inputMap'], 1e-4));
  });

  let current: Awaited<ReturnType<typeof openPage>> | undefined;
  const page = () => current!.page;

  /** Runs body on a fresh page at path; a failure carries what the page printed. */
  async function inPage<T>(path: string, body: () => Promise<T>): Promise<T> {
    current = await openPage(browser, `${server.origin}${path}`);
    try {
      return await body();
    } catch (e) {
      if (e instanceof Error && current.log.length) e.message += `\npage log:\n${current.log.join('\n')}`;
      throw e;
    } finally {
      await current.page.close();
      current = undefined;
    }
  }
});

/** The reference: the Node entry (onnxruntime-node, sharp) on the same files. */
async function nodeMaps(model: string, images: string[], options: ExplainOptions): Promise<PageMap[]> {
  const ex = await createImageExplainer(model);
  try {
    return await ex.explain(images, options);
  } finally {
    await ex.release();
  }
}

/** Asserts the same classes and maps within tol (scores too); returns a line with the worst difference. */
function compare(got: PageMap[], want: PageMap[], keys: ('map' | 'layerMap' | 'inputMap')[], tol: number): string {
  assert.equal(got.length, want.length, 'result count');
  let worst = 0;
  got.forEach((g, i) => {
    const w = want[i];
    assert.deepEqual([g.image, g.classIndex], [w.image, w.classIndex], `result ${i}: which image and class`);
    assert.ok(Math.abs(g.score - w.score) <= tol, `result ${i}: score ${g.score} vs ${w.score}`);
    for (const key of keys) {
      const e = worstError(g[key], w[key], `result ${i}: ${key}`);
      assert.ok(e.worst <= tol, `result ${i}: ${key} differs by ${e.worst} at ${e.at}`);
      worst = Math.max(worst, e.worst);
    }
  });
  return `${got.length} map(s), max |browser − node| ${worst.toExponential(2)}`;
}
