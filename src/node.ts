/**
 * Node entry point (`gcam`): the platform-free core plus onnxruntime-node, model files and sharp image decoding; the
 * browser entry (web.ts) mirrors it.
 */
// First, so that onnxruntime-node (imported below) loads with its telemetry off.
import './runtime/telemetry-off.js';
import * as ort from 'onnxruntime-node';
import { dirname, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { decodeModel, type DecodedModel } from './onnx/decode.js';
import { createOrtRuntime, type OrtModule } from './runtime/ort.js';
import type { Runtime } from './runtime/types.js';
import { placeExternalData } from './files/explain-folder.js';
import { modelError, readExternalRange } from './files/external-file.js';
import { readRegularFile } from './files/regular-file.js';
import { ImageExplainer, checkOptions, explainOnce, type CreateOptions } from './api/image-explainer.js';
import type { ExplainOptions, ExplainResult, ImageSource, Platform } from './api/options.js';
import { readImageSamples } from './image/io-node.js';
import { InvalidOptionError } from './errors.js';

export * from './index.js';

/**
 * Worker threads that sleep between runs instead of spinning. onnxruntime's default spin-wait keeps a session's
 * threads busy after each run, taking the cores from everything else: gcam's own work between runs (decoding,
 * resizing, drawing the next batch while this one runs), its other sessions, and other processes. On a 2-core
 * machine with other work running, ResNet-50's forward pass at batch 1 took 182 ms spinning and 41 ms without
 * (docs/benchmarks.md); a folder of 40 photos 8.5 s against 6.9 s.
 */
const NO_SPINNING = { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } };

let runtime: Runtime | undefined;
/** The onnxruntime-node runtime (CPU). */
export function nodeRuntime(): Runtime {
  return (runtime ??= createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-node', NO_SPINNING, placeExternalData));
}

/**
 * A .onnx file is one protobuf message, which protobuf caps at 2 GiB; anything larger cannot be a model, and is
 * refused before it is read. Larger models keep their weights in external data files, which have no such cap.
 */
const MAX_MODEL_BYTES = 2 ** 31;

/**
 * Loads an ONNX model from a path or from bytes. A path must be a regular file of at most 2 GiB; its external data
 * files must be regular files inside its folder (or a subfolder), and only each tensor's own bytes are read.
 */
export function loadModel(source: string | Uint8Array): DecodedModel {
  if (typeof source !== 'string') return decodeModel(source, 'The model bytes');
  const what = `Model file '${source}'`;
  const bytes = readRegularFile(source, what, modelError, {
    bytes: MAX_MODEL_BYTES,
    why: 'an ONNX file cannot exceed 2 GiB; export large models with their weights in external data files.',
  });
  const dir = dirname(resolve(source));
  return decodeModel(bytes, what, (location, offset, length) => readExternalRange(dir, location, offset, length), dir);
}

export { readImage, readImageSamples, writeImage, writeFileAtomic, composeFigure } from './image/io-node.js';

/** Target files (masks, reference embeddings) are small: 256 MiB is far beyond any real one. */
const MAX_TARGET_FILE_BYTES = 2 ** 28;

/**
 * The Node platform: onnxruntime-node plus sharp image decoding (16-bit PNG/TIFF at full precision, DICOM paths),
 * the machine's core count and target files.
 */
export function nodePlatform(): Platform {
  return {
    runtime: nodeRuntime(),
    decodeImage: (s) => readImageSamples(s),
    cores: availableParallelism(),
    readFile: async (path) =>
      readRegularFile(
        path,
        `file '${path}'`,
        // The option's name begins the message: "target file 'ref.npy' does not exist."
        (message, cause) => new InvalidOptionError('target', message, { cause }),
        {
          bytes: MAX_TARGET_FILE_BYTES,
          why: 'a mask or an embedding is far smaller.',
        },
      ),
  };
}

/** A model path, bytes, or a model decoded already. */
export type NodeModelInput = string | Uint8Array | DecodedModel;

/** The Node options of createImageExplainer: the core's, with the platform defaulting to Node's. */
export type NodeCreateOptions = CreateOptions & { platform?: Platform };

/** A model ready to explain images (layers listed, sessions compiled once and reused across calls). */
export async function createImageExplainer(model: NodeModelInput, options: NodeCreateOptions = {}): Promise<ImageExplainer> {
  const o = checkOptions(options);
  const decoded = typeof model === 'string' || model instanceof Uint8Array ? loadModel(model) : model;
  return ImageExplainer.create(o.platform ?? nodePlatform(), decoded, o);
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
