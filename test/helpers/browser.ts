/**
 * A real browser for tests: a page script bundled for browsers by esbuild (the build fails on any Node built-in, so
 * what runs in the page provably needs none), served from 127.0.0.1 with onnxruntime-web's wasm files and the test's
 * assets under cross-origin isolation, and Debian's chromium driven by playwright-core.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules, createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build, type Plugin } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Playwright's own browser download is unreachable here; these flags keep Debian's chromium offline and quiet. */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const BUILTIN = new RegExp(`^(node:|(${builtinModules.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})(/|$))`);

/**
 * Fails the build on any import of a Node built-in, naming the importer. A package that maps the built-in away for
 * browsers itself (protobufjs: "browser": { "fs": false }, behind a try/require) needs no Node and passes.
 */
const noNodeBuiltins: Plugin = {
  name: 'no-node-builtins',
  setup(b) {
    const probe = Symbol('probe');
    b.onResolve({ filter: BUILTIN }, async (args) => {
      if (args.pluginData === probe) return undefined;
      const { kind, resolveDir, importer } = args;
      const resolved = await b.resolve(args.path, { kind, resolveDir, importer, pluginData: probe });
      if (resolved.errors.length === 0) return undefined;
      return { errors: [{ text: `'${importer}' imports the Node built-in '${args.path}', which a browser does not have.` }] };
    });
  },
};

export interface Bundle {
  code: string;
  /** The source files bundled (paths relative to the working directory), to check what a page pulled in. */
  inputs: string[];
}

/** One ES module for browsers with everything the entry imports, onnxruntime-web included. */
export async function bundle(entry: string): Promise<Bundle> {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [noNodeBuiltins],
  });
  return { code: out.outputFiles[0].text, inputs: Object.keys(out.metafile.inputs) };
}

/** What the server answers on a path: text or bytes, or a file read when asked for. */
export type Asset = string | Uint8Array | { file: string };

/**
 * onnxruntime-web's wasm binaries and their .mjs loaders, at the root: its bundled build looks for them beside the
 * script that imported it (import.meta.url), which is the page bundle served at /.
 */
export function ortWasmAssets(): Record<string, Asset> {
  const dist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  const files = readdirSync(dist).filter((f) => /^ort-wasm.*\.(wasm|mjs)$/.test(f));
  return Object.fromEntries(files.map((f) => [`/${f}`, { file: join(dist, f) }]));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  // Needed for WebAssembly.instantiateStreaming, which onnxruntime-web tries first.
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

export interface Served {
  origin: string;
  close(): Promise<void>;
}

/**
 * A static server on a random port of 127.0.0.1. Every answer carries COOP/COEP, so pages are cross-origin isolated
 * (crossOriginIsolated, SharedArrayBuffer) as multi-threaded wasm needs.
 */
export async function serve(assets: Record<string, Asset>): Promise<Served> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const asset = assets[path];
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    if (asset === undefined || (typeof asset === 'object' && 'file' in asset && !existsSync(asset.file))) {
      res.writeHead(404, headers).end(`${path} not found`);
      return;
    }
    const body = typeof asset === 'object' && 'file' in asset ? readFileSync(asset.file) : asset;
    res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/** Opens url in a new page; what the page printed and threw is kept for failure messages. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; log: string[] }> {
  const page = await browser.newPage();
  const log: string[] = [];
  page.on('console', (m) => log.push(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => log.push(`page error: ${e.message}`));
  await page.goto(url, { waitUntil: 'load', timeout: 60_000 });
  return { page, log };
}

/** The HTML of a page that only loads one module script. */
export function modulePage(src: string): string {
  return `<!doctype html><meta charset="utf-8"><title>gcam test</title><link rel="icon" href="data:,"><script type="module" src="${src}"></script>`;
}
