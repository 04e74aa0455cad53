/**
 * Node entry point (`gcam`): the platform-free core plus onnxruntime-node, model files and sharp image decoding; the
 * browser entry (web.ts) mirrors it.
 */
// First, so that onnxruntime-node (imported below) loads with its telemetry off.
import './runtime/telemetry-off.js';
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, type DecodedModel, type ExternalData } from './onnx/decode.js';
import { createOrtRuntime, type ExternalDataPlacer, type OrtModule } from './runtime/ort.js';
import type { Runtime } from './runtime/types.js';
import { InvalidModelError } from './errors.js';
import { ImageExplainer, explainOnce, type CreateOptions } from './api/image-explainer.js';
import type { ExplainOptions, ExplainResult, ImageSource, Platform } from './api/options.js';
import { readImage } from './image/io-node.js';

export * from './index.js';

let runtime: Runtime | undefined;
/** The onnxruntime-node runtime (CPU). */
export function nodeRuntime(): Runtime {
  return (runtime ??= createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-node', {}, placeExternalData));
}

/**
 * onnxruntime resolves external data relative to the model file and refuses paths (symlinks included) that leave
 * its folder. So the explain model is written into a temporary folder holding hard links to the data files (no copy);
 * across file systems, as a hidden temporary file beside the original model; failing that, with copies of the data.
 */
const placeExternalData: ExternalDataPlacer = (model, ext) => {
  const dir = mkdtempSync(join(tmpdir(), 'gcam-'));
  const cleanDir = () => rmSync(dir, { recursive: true, force: true });
  try {
    linkAll(ext, dir, linkSync);
  } catch {
    try {
      const path = join(ext.baseDir, `.gcam-explain-${process.pid}-${Date.now()}.onnx`);
      writeFileSync(path, model);
      cleanDir();
      return { path, cleanup: () => rmSync(path, { force: true }) };
    } catch {
      linkAll(ext, dir, copyFileSync);
    }
  }
  const path = join(dir, 'model.onnx');
  writeFileSync(path, model);
  return { path, cleanup: cleanDir };
};

function linkAll(ext: ExternalData, dir: string, place: (from: string, to: string) => void): void {
  for (const f of ext.files) {
    const target = join(dir, f);
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { force: true });
    place(resolve(ext.baseDir, f), target);
  }
}

/** Loads an ONNX model from a path (external data files resolved next to it) or from bytes. */
export function loadModel(source: string | Uint8Array): DecodedModel {
  if (typeof source !== 'string') return decodeModel(source, 'The model bytes');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(source);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InvalidModelError(
      code === 'ENOENT'
        ? `Model file '${source}' does not exist.`
        : `Model file '${source}' cannot be read (${code ?? (e as Error).message}).`,
      { cause: e },
    );
  }
  const dir = dirname(resolve(source));
  return decodeModel(bytes, `Model file '${source}'`, (location) => readFileSync(resolve(dir, location)), dir);
}

export { readImage, writeImage, writeFileAtomic, composeFigure } from './image/io-node.js';

/** The Node platform: onnxruntime-node plus sharp image decoding. */
export function nodePlatform(): Platform {
  return { runtime: nodeRuntime(), decodeImage: (s) => readImage(s) };
}

/** A model path, bytes, or a model decoded already. */
export type NodeModelInput = string | Uint8Array | DecodedModel;

/** The Node options of createImageExplainer: the core's, with the platform defaulting to Node's. */
export type NodeCreateOptions = CreateOptions & { platform?: Platform };

/** A model ready to explain images (layers listed, sessions compiled once and reused across calls). */
export async function createImageExplainer(model: NodeModelInput, options: NodeCreateOptions = {}): Promise<ImageExplainer> {
  const decoded = typeof model === 'string' || model instanceof Uint8Array ? loadModel(model) : model;
  return ImageExplainer.create(options.platform ?? nodePlatform(), decoded, options);
}

/**
 * One call: explain images with a model (path, bytes or decoded). For repeated calls keep an ImageExplainer
 * (createImageExplainer) so the explain model is compiled once.
 */
export async function explain(
  model: NodeModelInput,
  images: readonly ImageSource[],
  options: ExplainOptions & NodeCreateOptions = {},
): Promise<ExplainResult[]> {
  return explainOnce(createImageExplainer(model, options), images, options);
}
