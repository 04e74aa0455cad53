/**
 * Browser entry point (`gcam/web`), the mirror of the Node entry: the platform-free API plus onnxruntime-web, model
 * loading from bytes or a URL, and image decoding with the browser's own decoders (image/io-web.ts). No node:*
 * imports here; under Node the same module runs on onnxruntime-web's wasm backend (test/onnxruntime-web.test.ts), in
 * Chromium the whole high-level API does (test/browser.test.ts).
 *
 * onnxruntime-web fetches its .wasm (and, unbundled, .mjs) files from beside the script that imported it unless
 * `ort.env.wasm.wasmPaths` (setWasmPaths) says where they are. Threads: onnxruntime-web itself defaults
 * `ort.env.wasm.numThreads` to 1 when the page is not cross-origin isolated (multi-threaded wasm needs COOP/COEP
 * headers) and falls back to one thread when asked for more there, so gcam sets nothing.
 */
import * as ort from 'onnxruntime-web';
import { decodeModel, type DecodedModel } from './onnx/decode.js';
import { createOrtRuntime, type OrtModule } from './runtime/ort.js';
import type { Runtime, Session, SessionOptions } from './runtime/types.js';
import { InvalidModelError, RuntimeError } from './errors.js';
import {
  createImageExplainer as createCoreExplainer,
  explainOnce,
  type CreateOptions,
  type ImageExplainer,
} from './api/image-explainer.js';
import type { ExplainOptions, ExplainResult, ImageSource, Platform } from './api/options.js';
import { decodeImage } from './image/io-web.js';

export * from './index.js';
export { decodeImage, encodePng, toImageData, type WebImageSource } from './image/io-web.js';

let runtime: Runtime | undefined;

/**
 * The onnxruntime-web runtime. By default sessions use the 'wasm' execution provider (CPU); pass session options
 * (e.g. `{ executionProviders: ['webgpu', 'wasm'] }`) for another, as onnxruntime-web's InferenceSession.create takes
 * them. Threads and the location of the .wasm files are onnxruntime-web's global settings (`ort.env.wasm.numThreads`,
 * `ort.env.wasm.wasmPaths` or setWasmPaths), set on the 'onnxruntime-web' module itself.
 */
export function webRuntime(sessionOptions?: Record<string, unknown>): Runtime {
  if (sessionOptions) return withWasmHint(createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', sessionOptions));
  return (runtime ??= withWasmHint(
    createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', { executionProviders: ['wasm'] }),
  ));
}

/**
 * Where onnxruntime-web's .wasm/.mjs files are served (a folder URL, e.g. a CDN's
 * `.../onnxruntime-web@<version>/dist/`), for pages that do not serve them beside their script.
 */
export function setWasmPaths(folder: string | URL): void {
  // onnxruntime-web appends the file name to the prefix as is.
  const url = String(folder);
  ort.env.wasm.wasmPaths = url.endsWith('/') ? url : `${url}/`;
}

/**
 * onnxruntime-web's own message for a backend that did not start ("no available backend found", with the fetch
 * failure inside) does not say what to do; the usual cause is a page that does not serve its wasm files.
 */
function withWasmHint(inner: Runtime): Runtime {
  return {
    name: inner.name,
    async createSession(model: Uint8Array, options?: SessionOptions): Promise<Session> {
      try {
        return await inner.createSession(model, options);
      } catch (e) {
        if (!/no available backend found/i.test((e as Error).message)) throw e;
        throw new RuntimeError(
          `${(e as Error).message}\nonnxruntime-web could not start its WebAssembly backend. Serve ` +
            `node_modules/onnxruntime-web/dist/*.wasm (and *.mjs) beside the page's script, or call ` +
            `setWasmPaths(url) (ort.env.wasm.wasmPaths) with the folder they are served from.`,
          { cause: e },
        );
      }
    },
  };
}

/** The browser platform for the core's ImageExplainer: onnxruntime-web plus the browser's image decoders. */
export function webPlatform(): Platform {
  return { runtime: webRuntime(), decodeImage };
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

/** A model as bytes, a URL to fetch, or a model decoded already. */
export type WebModelInput = ModelSource | DecodedModel;

/** The browser options of createImageExplainer: the core's, with the platform defaulting to the browser's. */
export type WebCreateOptions = CreateOptions & { platform?: Platform };

/**
 * A model ready to explain images (layers listed, sessions compiled once and reused across calls). It takes the
 * core's images: RawImages, tensors, image bytes or URLs (decoded by the platform); decode other page images (Blob,
 * <img>, canvas…) with decodeImage first.
 */
export async function createImageExplainer(model: WebModelInput, options: WebCreateOptions = {}): Promise<ImageExplainer> {
  const decoded = typeof model === 'object' && 'proto' in model ? model : await loadModel(model);
  return createCoreExplainer(decoded, { ...options, platform: options.platform ?? webPlatform() });
}

/**
 * One call: explain images with a model (bytes, URL or decoded). For repeated calls keep an ImageExplainer
 * (createImageExplainer) so the explain model is compiled once.
 */
export async function explain(
  model: WebModelInput,
  images: readonly ImageSource[],
  options: ExplainOptions & WebCreateOptions = {},
): Promise<ExplainResult[]> {
  return explainOnce(createImageExplainer(model, options), images, options);
}
