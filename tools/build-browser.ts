/**
 * Builds gcam/browser: dist/browser/gcam.js, one minified ES module (with its source map) that a page imports with a
 * plain <script type="module">, no bundler, made by esbuild from src/web.ts with onnxruntime-web inside; beside it
 * the two files onnxruntime-web fetches at run time (WASM_FILES, the same for the wasm and WebGPU providers). The
 * bundle points onnxruntime-web at its own folder, so serving the folder as it is is enough.
 *
 *   node --import tsx tools/build-browser.ts      (npm run build runs it after tsc)
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { WASM_FILES } from '../src/web.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BROWSER_DIST = join(ROOT, 'dist', 'browser');

/**
 * The bundle's entry: gcam/web, plus the default folder of the wasm files. Every module of the bundle shares its
 * import.meta.url, so './' is the folder gcam.js is served from. A page's own setWasmPaths comes later and wins.
 */
const ENTRY = `export * from './web.ts';
import { setWasmPaths } from './web.ts';
setWasmPaths(new URL('./', import.meta.url));
`;

export interface BrowserBuild {
  dir: string;
  /** File name → bytes. */
  files: Record<string, number>;
  ms: number;
}

/** Builds into `dir` (emptied first, so no stale file is left to be served). */
export async function buildBrowser(dir = BROWSER_DIST): Promise<BrowserBuild> {
  const start = performance.now();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await build({
    stdin: { contents: ENTRY, resolveDir: join(ROOT, 'src'), sourcefile: 'gcam-browser.ts', loader: 'ts' },
    outfile: join(dir, 'gcam.js'),
    bundle: true,
    // A browser build: any Node built-in left in the import graph fails it (unless a package maps it away itself).
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    // The typed errors take their name from their class (new.target.name): minified, a RuntimeError would say 'cn'.
    keepNames: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  checkWasmNames(readFileSync(join(dir, 'gcam.js'), 'utf8'));
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  for (const f of WASM_FILES) copyFileSync(join(ortDist, f), join(dir, f));
  const files: Record<string, number> = {};
  for (const f of ['gcam.js', 'gcam.js.map', ...WASM_FILES]) files[f] = statSync(join(dir, f)).size;
  return { dir, files, ms: performance.now() - start };
}

/**
 * The wasm file names the bundled onnxruntime-web can ask for must be WASM_FILES (which the hint of src/web.ts also
 * names): a new onnxruntime-web build that loads others fails here instead of in a page.
 */
function checkWasmNames(bundle: string): void {
  const named = [...new Set(bundle.match(/ort-wasm[\w.-]*\.(?:wasm|mjs)/g))].sort();
  const expected = [...WASM_FILES].sort();
  if (named.join() !== expected.join())
    throw new Error(
      `The bundled onnxruntime-web loads ${named.join(', ')}, not ${expected.join(', ')}: update WASM_FILES in src/web.ts.`,
    );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const b = await buildBrowser();
  const list = Object.entries(b.files).map(([f, n]) => `${f} ${(n / 2 ** 20).toFixed(2)} MiB`);
  console.log(`${relative(process.cwd(), b.dir)}/ in ${Math.round(b.ms)} ms: ${list.join(', ')}`);
}
