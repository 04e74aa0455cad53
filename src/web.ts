/**
 * Browser entry point (`gcam/web`): the platform-free API plus onnxruntime-web and model loading from bytes or a URL.
 * No node:* imports here; under Node the same module runs on onnxruntime-web's wasm backend (see
 * test/onnxruntime-web.test.ts).
 */
import * as ort from 'onnxruntime-web';
import { decodeModel, type DecodedModel } from './onnx/decode.js';
import { createOrtRuntime, type OrtModule } from './runtime/ort.js';
import type { Runtime } from './runtime/types.js';
import { InvalidModelError } from './errors.js';

export * from './index.js';

let runtime: Runtime | undefined;

/**
 * The onnxruntime-web runtime. By default sessions use the 'wasm' execution provider (CPU); pass session options
 * (e.g. `{ executionProviders: ['webgpu', 'wasm'] }`) for another, as onnxruntime-web's InferenceSession.create takes
 * them. Threads and the location of the .wasm files are onnxruntime-web's global settings (`ort.env.wasm.numThreads`,
 * `ort.env.wasm.wasmPaths`), set on the 'onnxruntime-web' module itself.
 */
export function webRuntime(sessionOptions?: Record<string, unknown>): Runtime {
  if (sessionOptions) return createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', sessionOptions);
  return (runtime ??= createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', { executionProviders: ['wasm'] }));
}

/** Model bytes, or where to fetch them from. */
export type ModelSource = Uint8Array | ArrayBuffer | string | URL;

/**
 * Loads an ONNX model from bytes (Uint8Array/ArrayBuffer) or from a URL via fetch. Always asynchronous (unlike the
 * Node entry's loadModel, which reads files synchronously). Models with external data files are not supported here:
 * save them as one file.
 */
export async function loadModel(source: ModelSource): Promise<DecodedModel> {
  if (source instanceof Uint8Array) return checked(decodeModel(plainBytes(source), 'The model bytes'));
  if (source instanceof ArrayBuffer) return checked(decodeModel(new Uint8Array(source), 'The model bytes'));
  const url = String(source);
  let res: Response;
  try {
    res = await fetch(source);
  } catch (e) {
    throw new InvalidModelError(`The model at '${url}' cannot be fetched (${(e as Error).message}).`, { cause: e });
  }
  if (!res.ok) throw new InvalidModelError(`The model at '${url}' cannot be fetched (HTTP ${res.status} ${res.statusText}).`);
  return checked(decodeModel(new Uint8Array(await res.arrayBuffer()), `The model at '${url}'`));
}

/** A plain Uint8Array view (not a Node Buffer or other subclass), which onnxruntime-web handles in every version. */
function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function checked(m: DecodedModel): DecodedModel {
  if (m.externalTensors.length)
    throw new InvalidModelError(
      `The model keeps ${m.externalTensors.length} tensor(s) in external data files (e.g. '${m.externalTensors[0]}'), ` +
        `which gcam/web cannot load; save the model as a single file (onnx.save(model, path, save_as_external_data=False)).`,
    );
  return m;
}
