/**
 * `gcam view [model.onnx] [images…] [--port P]`: the viewer page on 127.0.0.1, with the model and images given
 * already open (without a model, the built-in one and, without images, its sample scene). The model runs in the
 * browser (onnxruntime-web); this process only serves files, until Ctrl-C.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GcamError, ImageReadError, InvalidModelError, parseLabels } from '../../node.js';
import { UsageError, intOption, preprocessOverrides, type Parsed } from '../args.js';
import { readText } from '../inputs.js';
import { startViewServer } from '../serve.js';

/** A port few other tools take by default; --port picks another, 0 any free one. */
export const DEFAULT_PORT = 8765;

/**
 * dist/viewer beside the package: the same path from src/cli/commands (tsx) and dist/cli/commands (built).
 * GCAM_VIEWER_DIR names another build (tools/build-viewer.ts into any folder), as the tests do.
 */
export function viewerDir(): string {
  const dir = process.env.GCAM_VIEWER_DIR || fileURLToPath(new URL('../../../dist/viewer/', import.meta.url));
  return resolve(dir);
}

export async function cmdView(p: Parsed): Promise<number> {
  const v = p.values;
  const rest = [...p.rest];
  // The model comes first, or with --model as for explain; everything else is an image.
  const model = v.model ?? (rest[0] && /\.onnx$/i.test(rest[0]) ? rest.shift() : undefined);
  if (model) checkFile(model, (m) => new InvalidModelError(m), 'Model');
  for (const img of rest) checkFile(img, (m) => new ImageReadError(m), 'Image');
  const dir = viewerDir();
  if (!existsSync(join(dir, 'index.html')))
    throw new GcamError('VIEWER_NOT_BUILT', `The viewer is not built (${dir} has no index.html): run \`npm run build\` first.`);
  const port = intOption(v.port, 'port', 0) ?? DEFAULT_PORT;
  const overrides = preprocessOverrides(v);
  if (port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535; got '${v.port}'.`);
  const server = await startViewServer({
    viewerDir: dir,
    // Absolute: the server reads them when the page asks, whatever the working folder is then.
    model: model && resolve(model),
    images: rest.map((f) => resolve(f)),
    labels: v.labels ? parseLabels(readText(v.labels), `labels file '${v.labels}'`) : undefined,
    size: intOption(v.size, 'size', 1),
    preprocess: v.preprocess || Object.keys(overrides).length ? { preset: v.preprocess, overrides } : undefined,
    port,
  });
  const what = `${model ?? 'the built-in model'}${rest.length ? ` and ${rest.length} image${rest.length > 1 ? 's' : ''}` : ''}`;
  console.log(`gcam view: ${what} at ${server.url}  (open it in a browser; Ctrl-C stops)`);
  await stopSignal();
  await server.close();
  console.log('gcam view: stopped.');
  return 0;
}

/** Ctrl-C (SIGINT) or a polite kill (SIGTERM): either ends the command normally, exit code 0. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Named files must exist now: the page would otherwise find out only as a failed fetch. */
function checkFile(path: string, error: (m: string) => GcamError, what: string): void {
  let ok = false;
  try {
    ok = statSync(path).isFile();
  } catch {
    throw error(`${what} '${path}' does not exist.`);
  }
  if (!ok) throw error(`${what} '${path}' is not a file.`);
}
