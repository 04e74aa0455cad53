/**
 * The platform-free core runs the whole high-level API in a real browser: Chromium (Debian's, driven by
 * playwright-core) explains images with the built-in model through onnxruntime-web and gives the maps the Node entry
 * gives. Two pages: the core entry (src/index.ts) with a platform the page builds from onnxruntime-web and the
 * browser image decoder, and the web entry (src/web.ts) with its defaults. Both are bundled by esbuild for browsers,
 * a build that fails on any Node built-in. Also in the page: PNG decoding and encoding against sharp's, byte for
 * byte, the typed errors of unreadable images, and what a page without onnxruntime-web's wasm files is told.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { builtinModel } from '../src/builtin.js';
import { createImageExplainer, prepareImage, preset, readImage, type MethodName, type RawImage } from '../src/node.js';
import { generateScene } from '../src/scenes/scene.js';
import { renderScene, renderScenePng } from '../src/scenes/render-node.js';
import {
  bundle,
  CHROMIUM,
  launchChromium,
  modulePage,
  openPage,
  ortWasmAssets,
  serve,
  type Bundle,
  type Served,
} from './helpers/browser.js';
import { worstError } from './helpers/compare.js';
import { needsShared, sharedPath } from './helpers/shared.js';
import { pageMap, type MapsRequest, type PageImage, type PageMap } from './browser/cases.js';

const skip = existsSync(CHROMIUM) ? false : `Debian's chromium is not installed at ${CHROMIUM}`;
const CHELSEA = 'images/chelsea.png';
const METHODS: MethodName[] = ['gradcam', 'gradcam++', 'scorecam'];
/** Same float32 arithmetic in wasm and native code, up to the kernels' summation order. */
const TOLERANCE = 1e-5;

const model = builtinModel();
// Two scenes of the built-in model's world: one at its input size sent as pixels, one at another size as a PNG (so
// the page decodes it and the core resizes it).
const RAW_SEED = 3_100_001;
const PNG_SEED = 3_100_002;

describe('the high-level API in Chromium (onnxruntime-web) gives the Node entry’s maps', { skip, timeout: 180_000 }, () => {
  let browser: Browser | undefined;
  let server: Served | undefined;
  let bundles: { core: Bundle; web: Bundle };
  let raw: RawImage;
  let png: Uint8Array;
  let expected: PageMap[];

  before(async () => {
    const [core, web] = await Promise.all([bundle('test/browser/core-page.ts'), bundle('test/browser/web-page.ts')]);
    bundles = { core, web };
    raw = await renderScene(generateScene(RAW_SEED));
    png = await renderScenePng(generateScene(PNG_SEED, { size: 150 }));
    const chelsea = sharedPath(CHELSEA);
    server = await serve({
      '/core.html': modulePage('/core.js'),
      '/core.js': core.code,
      '/web.html': modulePage('/web.js'),
      '/web.js': web.code,
      // The web page again, one folder down, where onnxruntime-web finds no wasm files beside its script.
      '/nowasm/web.html': modulePage('/nowasm/web.js'),
      '/nowasm/web.js': web.code,
      '/model.onnx': { file: model.path },
      '/scene.png': png,
      ...(chelsea && { '/chelsea.png': { file: chelsea } }),
      ...ortWasmAssets(),
    });
    expected = await nodeMaps([raw, png]);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('bundles the core page from the core entry alone (no web or Node entry, no Node built-in)', () => {
    const own = bundles.core.inputs.filter((f) => f.startsWith('src/'));
    assert.ok(own.includes('src/index.ts'), 'the core page imports src/index.ts');
    for (const entry of ['src/web.ts', 'src/node.ts']) assert.ok(!own.includes(entry), `the core page pulled in ${entry}`);
  });

  it('core entry with a page-built platform: RawImage pixels and PNG bytes decoded in the page', async (t) => {
    t.diagnostic(await compareMaps('core', [{ raw }, { bytesAt: '/scene.png' }]));
  });

  it('web entry (gcam/web) with its default platform, model and PNG by URL', async (t) => {
    t.diagnostic(await compareMaps('web', [{ raw }, { url: '/scene.png' }]));
  });

  it('web entry without its wasm files beside the page: the error says what to serve', async () => {
    const { page } = await openPage(browser!, `${server!.origin}/nowasm/web.html`);
    try {
      const request: MapsRequest = { images: [{ raw }], methods: ['gradcam'], preprocess: model.preprocess };
      await assert.rejects(
        page.evaluate((r) => gcamPage.maps(r), request),
        /RuntimeError: .*no available backend found[\s\S]*onnxruntime-web\/dist\/\*\.wasm[\s\S]*setWasmPaths/,
      );
    } finally {
      await page.close();
    }
  });

  it('encodes PNGs that sharp reads back to the same pixels', async () => {
    const { page, log } = await openPage(browser!, `${server!.origin}/web.html`);
    try {
      const back = await readImage(await page.evaluate((img) => gcamPage.png(img), raw));
      assert.deepEqual([back.width, back.height, back.channels], [raw.width, raw.height, 3]);
      assert.ok(Buffer.from(back.data).equals(Buffer.from(raw.data)), 'the pixels changed through the page’s PNG');
    } catch (e) {
      throw withLog(e, log);
    } finally {
      await page.close();
    }
  });

  it('reports images it cannot fetch or decode as ImageReadError', async () => {
    const { page } = await openPage(browser!, `${server!.origin}/web.html`);
    try {
      const failure = (url: string) =>
        page.evaluate(
          (u) =>
            gcamPage.decode(u).then(
              () => 'decoded',
              (e: Error) => `${e.name}: ${e.message}`,
            ),
          url,
        );
      assert.match(await failure('/missing.png'), /^ImageReadError: Image '\/missing.png' cannot be fetched \(HTTP 404/);
      assert.match(await failure('/model.onnx'), /^ImageReadError: Image '\/model.onnx' cannot be decoded/);
    } finally {
      await page.close();
    }
  });

  it('decodes a photo to sharp’s RGB bytes and the same model input', needsShared(CHELSEA), async () => {
    const { page, log } = await openPage(browser!, `${server!.origin}/core.html`);
    try {
      const path = sharedPath(CHELSEA)!;
      const [inPage, inNode] = await Promise.all([page.evaluate(() => gcamPage.decode('/chelsea.png')), readImage(path)]);
      assert.deepEqual([inPage.width, inPage.height, inPage.channels], [inNode.width, inNode.height, inNode.channels]);
      assert.ok(Buffer.from(inPage.data).equals(Buffer.from(inNode.data)), 'decoded RGB bytes differ from sharp’s');
      // The ImageNet preset: a resize of the shorter side and a centre crop, the usual way a photo enters a model.
      const spec = preset('imagenet');
      const tensor = await page.evaluate((s) => gcamPage.tensor('/chelsea.png', s, 3), spec);
      const e = worstError(tensor, prepareImage(inNode, spec, 3).tensor, 'model input');
      assert.equal(e.worst, 0, `the model inputs differ by ${e.worst} at ${e.at}`);
    } catch (e) {
      throw withLog(e, log);
    } finally {
      await page.close();
    }
  });

  /** Runs the page's explain and compares with the Node entry's maps; returns a line with the worst difference. */
  async function compareMaps(entry: 'core' | 'web', images: PageImage[]): Promise<string> {
    const { page, log } = await openPage(browser!, `${server!.origin}/${entry}.html`);
    try {
      const info = await page.evaluate(() => gcamPage.describe());
      assert.deepEqual(info, { entry, crossOriginIsolated: true });
      const request: MapsRequest = { images, methods: METHODS, preprocess: model.preprocess };
      const got = await page.evaluate((r) => gcamPage.maps(r), request);
      assert.equal(got.length, expected.length, 'result count');
      let worst = 0;
      got.forEach((g, i) => {
        const w = expected[i];
        const what = `${entry} page, ${g.method}, image ${g.image}`;
        assert.deepEqual([g.method, g.image, g.classIndex], [w.method, w.image, w.classIndex], `${what}: which map`);
        assert.ok(Math.abs(g.score - w.score) <= TOLERANCE, `${what}: score ${g.score} vs ${w.score}`);
        for (const key of ['map', 'layerMap'] as const) {
          const e = worstError(g[key], w[key], `${what}: ${key}`);
          assert.ok(e.worst <= TOLERANCE, `${what}: ${key} differs by ${e.worst} at ${e.at}`);
          worst = Math.max(worst, e.worst);
        }
      });
      return `${entry} page: ${got.length} maps, max |browser − node| ${worst.toExponential(2)}`;
    } catch (e) {
      throw withLog(e, log);
    } finally {
      await page.close();
    }
  }
});

/** The reference: the Node entry (onnxruntime-node, sharp) on the same model, images and options. */
async function nodeMaps(images: (RawImage | Uint8Array)[]): Promise<PageMap[]> {
  const ex = await createImageExplainer(model.path);
  try {
    const out: PageMap[] = [];
    for (const method of METHODS)
      for (const r of await ex.explain(images, { method, preprocess: model.preprocess })) out.push(pageMap(method, r));
    return out;
  } finally {
    await ex.release();
  }
}

/** A failure with what the page printed, which is where a browser-side cause shows. */
function withLog(e: unknown, log: string[]): unknown {
  if (e instanceof Error && log.length) e.message += `\npage log:\n${log.join('\n')}`;
  return e;
}
