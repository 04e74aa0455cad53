/** Node entry point: the platform-free API plus onnxruntime-node and file loading. */
import { copyFileSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, type DecodedModel, type ExternalData } from './onnx/decode.js';
import { createOrtRuntime, type ExternalDataPlacer, type OrtModule } from './runtime/ort.js';
import type { Runtime } from './runtime/types.js';
import { InvalidModelError } from './errors.js';
import { ImageExplainer, type ExplainOptions, type ExplainResult, type ImageSource, type Platform } from './api/explain.js';
import { readImage, resizeImage } from './image/io-node.js';

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

export { ImageExplainer, type ExplainOptions, type ExplainResult, type ImageSource, type Prediction } from './api/explain.js';
export { readImage, writeImage, writeFileAtomic, composeFigure, ImageReadError } from './image/io-node.js';
export { heatmap, overlay } from './image/overlay.js';
export { COLORMAPS, colormapLut } from './image/colormap.js';
export { parseNpy, encodeNpy } from './io-npy.js';

/** The Node platform for ImageExplainer: onnxruntime-node plus sharp image decoding and resizing. */
export function nodePlatform(): Platform {
  return { runtime: nodeRuntime(), decodeImage: (s) => readImage(s), resizeImage };
}

/**
 * One call: explain images with a model (path, bytes or decoded). For repeated calls keep an ImageExplainer
 * (createImageExplainer) so the explain model is compiled once.
 */
export async function explain(
  model: string | Uint8Array | DecodedModel,
  images: readonly ImageSource[],
  options: ExplainOptions = {},
): Promise<ExplainResult[]> {
  const ex = await createImageExplainer(model, { size: options.size });
  try {
    return await ex.explain(images, options);
  } finally {
    await ex.release();
  }
}

export async function createImageExplainer(
  model: string | Uint8Array | DecodedModel,
  options: { size?: number | [number, number] } = {},
): Promise<ImageExplainer> {
  const decoded = typeof model === 'string' || model instanceof Uint8Array ? loadModel(model) : model;
  return ImageExplainer.create(nodePlatform(), decoded, options);
}
