/**
 * Builds the viewer page (src/viewer/) into one folder that any static server can serve, `gcam view` included:
 * index.html and style.css, the page script bundled by esbuild for browsers (gcam/web and onnxruntime-web inside),
 * onnxruntime-web's WebAssembly files beside it, the built-in model and a sample scene, so the first open shows a map
 * with nothing fetched from anywhere else.
 *
 *   node --import tsx tools/build-viewer.ts [outDir]     (default dist/viewer)
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { builtinModel } from '../src/builtin.js';
import { generateScene } from '../src/scenes/scene.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { WASM_FILES } from '../src/web.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SOURCES = join(ROOT, 'src/viewer');

/**
 * The sample scene shown on first open: a triangle and a cross, which the built-in model finds at 0.98 and 0.995,
 * drawn at 256 px so the maps are easy to read (the model stretches it to its 128 px input).
 */
export const SAMPLE = { seed: 4_200_004, size: 256, classes: [2, 4] } as const;

export interface ViewerBuild {
  outDir: string;
  /** The files written, relative to outDir. */
  files: string[];
  /** Bytes of the page script. */
  scriptBytes: number;
}

/**
 * Writes the viewer into outDir, replacing what was there: `tsc -p tsconfig.build.json` also emits src/viewer's
 * modules into dist/viewer as loose files, which the page never loads.
 */
export async function buildViewer(outDir: string): Promise<ViewerBuild> {
  const out = resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'models'), { recursive: true });
  const script = await build({
    entryPoints: [join(SOURCES, 'main.ts')],
    outfile: join(out, 'viewer.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    // GcamError names itself after its class (new.target.name): minified names would turn InvalidModelError into 'Me'.
    keepNames: true,
    write: true,
    metafile: true,
    logLevel: 'silent',
    plugins: [noNodeBuiltins],
  });
  const scriptBytes = Object.values(script.metafile.outputs).reduce((a, o) => a + o.bytes, 0);
  for (const f of ['index.html', 'style.css']) copyFileSync(join(SOURCES, f), join(out, f));
  // onnxruntime-web's files for the wasm and WebGPU providers (gcam/web uses WebGPU where the browser has a hardware
  // adapter), fetched beside the script that imported it (import.meta.url of viewer.js).
  const ortDist = dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  for (const f of WASM_FILES) copyFileSync(join(ortDist, f), join(out, f));
  const model = builtinModel();
  copyFileSync(model.path, join(out, 'models/shapes.onnx'));
  copyFileSync(join(dirname(model.path), 'shapes.json'), join(out, 'models/shapes.json'));
  const scene = generateScene(SAMPLE.seed, { size: SAMPLE.size, classes: SAMPLE.classes });
  writeFileSync(join(out, 'sample.png'), await renderScenePng(scene));
  return { outDir: out, files: listFiles(out), scriptBytes };
}

const BUILTIN = new RegExp(`^(node:|(${builtinModules.map((m) => m.replace(/[/.]/g, '\\$&')).join('|')})(/|$))`);

/**
 * A Node built-in in the page means the page imported a Node edge by mistake: the build fails naming the importer
 * (packages that map a built-in away for browsers themselves, like protobufjs, resolve and pass).
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

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => (statSync(join(dir, f)).isDirectory() ? listFiles(join(dir, f), `${prefix}${f}/`) : [`${prefix}${f}`]));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? join(ROOT, 'dist/viewer');
  buildViewer(outDir).then(
    (r) => console.log(`viewer: ${r.files.length} files in ${r.outDir} (script ${(r.scriptBytes / 1024).toFixed(0)} KiB)`),
    (e: unknown) => {
      console.error(`build-viewer: ${(e as Error).message}`);
      process.exit(1);
    },
  );
}
