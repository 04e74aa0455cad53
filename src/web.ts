/**
 * Browser entry point (`gcam/web`), the mirror of the Node entry: the platform-free API plus onnxruntime-web, model
 * loading from bytes or a URL, and image decoding with the browser's own decoders (image/io-web.ts). No node:*
 * imports here; under Node the same module runs on onnxruntime-web's wasm backend (test/onnxruntime-web.test.ts), in
 * Chromium the whole high-level API does (test/browser.test.ts).
 *
 * onnxruntime-web fetches its .wasm (and, unbundled, .mjs) files from beside the script that imported it unless
 * `ort.env.wasm.wasmPaths` (setWasmPaths) says where they are; the prebuilt bundle (gcam/browser,
 * tools/build-browser.ts) points it at the bundle's own folder. Threads: onnxruntime-web itself defaults
 * `ort.env.wasm.numThreads` to 1 when the page is not cross-origin isolated (multi-threaded wasm needs COOP/COEP
 * headers) and falls back to one thread when asked for more there, so gcam sets nothing; pages change it through
 * ortEnv before their first model.
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
import type { ExplainAllOptions, ExplainOptions, ExplainResult, ExplainedInput, ImageSource, Platform } from './api/options.js';
import { decodeImageSamples, type WebImageSource } from './image/io-web.js';

export * from './index.js';
export { decodeImage, decodeImageSamples, encodePng, toImageData, type WebImageSource } from './image/io-web.js';

let runtime: Runtime | undefined;

/**
 * onnxruntime-web's global settings (`numThreads`, `wasm.wasmPaths`, `webgpu`, `logLevel`), for pages that load the
 * prebuilt bundle and so cannot import the 'onnxruntime-web' module it holds. Set them before the first model.
 */
export const ortEnv: typeof ort.env = ort.env;

/**
 * The onnxruntime-web runtime. By default sessions use WebGPU when the browser offers a hardware adapter, with wasm
 * (CPU) for what WebGPU cannot run and everywhere else (defaultProviders); pass session options (e.g.
 * `{ executionProviders: ['wasm'] }`) to choose, as onnxruntime-web's InferenceSession.create takes them. Threads and
 * the location of the .wasm files are onnxruntime-web's global settings (`ort.env.wasm.numThreads`,
 * `ort.env.wasm.wasmPaths` or setWasmPaths), set on the 'onnxruntime-web' module itself.
 */
export function webRuntime(sessionOptions?: Record<string, unknown>): Runtime {
  if (sessionOptions) return withWasmHint(createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', sessionOptions));
  return (runtime ??= withWasmHint(autoProviders()));
}

/** A runtime that asks the browser for its providers once, at the first session. */
function autoProviders(): Runtime {
  let chosen: Promise<Runtime> | undefined;
  return {
    name: 'onnxruntime-web',
    async createSession(model, options) {
      chosen ??= defaultProviders().then((executionProviders) =>
        createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-web', { executionProviders }),
      );
      return (await chosen).createSession(model, options);
    },
  };
}

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { isFallbackAdapter?: boolean };
}

/**
 * ['webgpu', 'wasm'] when navigator.gpu gives a hardware adapter, else ['wasm']: a software fallback adapter
 * (SwiftShader) runs SqueezeNet ~50× slower than wasm (docs/benchmarks.md), and Node has no navigator.gpu at all.
 */
export async function defaultProviders(): Promise<string[]> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } } }).navigator?.gpu;
  if (!gpu) return ['wasm'];
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter && !(adapter.isFallbackAdapter ?? adapter.info?.isFallbackAdapter)) return ['webgpu', 'wasm'];
  } catch {
    // No adapter to be had: wasm.
  }
  return ['wasm'];
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
          `${(e as Error).message}\nonnxruntime-web could not start its WebAssembly backend, whose files it loads ` +
            `${wasmFilesInEffect()}. Serve them there (gcam/browser's folder holds them; so does ` +
            `node_modules/onnxruntime-web/dist/*.wasm (and *.mjs)), or call setWasmPaths(url) (ort.env.wasm.wasmPaths) ` +
            `with the folder they are served from.`,
          { cause: e },
        );
      }
    },
  };
}

/**
 * The files onnxruntime-web 1.30 loads in a browser, for the wasm and the WebGPU execution providers alike: its
 * default build (the one 'onnxruntime-web' resolves to) is the JSEP one.
 */
export const WASM_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'] as const;

/** Where onnxruntime-web fetches WASM_FILES from, resolved as it resolves them (relative to its own script). */
function wasmFilesInEffect(): string {
  const paths = ort.env.wasm.wasmPaths;
  const at = (file: string | URL, base: string | URL = import.meta.url) => new URL(file, base).href;
  const [mjs, wasm] = WASM_FILES;
  if (typeof paths === 'string') return `from ${at(mjs, at(paths))} and ${at(wasm, at(paths))}`;
  if (paths?.mjs || paths?.wasm) return `from ${paths.mjs ? at(paths.mjs) : mjs} and ${paths.wasm ? at(paths.wasm) : wasm}`;
  return `(${mjs}, ${wasm}) from beside the script holding onnxruntime-web, as ort.env.wasm.wasmPaths is not set`;
}

/** The browser platform for the core's ImageExplainer: onnxruntime-web plus the browser's image decoders (and DICOM). */
export function webPlatform(): Platform {
  return { runtime: webRuntime(), decodeImage: decodeImageSamples };
}

/** Model bytes, a Blob or File holding them (e.g. from an <input type="file">), or where to fetch them from. */
export type ModelSource = Uint8Array | ArrayBuffer | Blob | string | URL;

/**
 * Loads an ONNX model from bytes (Uint8Array/ArrayBuffer/Blob/File) or from a URL via fetch. Always asynchronous
 * (unlike the Node entry's loadModel, which reads files synchronously). Models with external data files are not
 * supported here: save them as one file.
 */
export async function loadModel(source: ModelSource): Promise<DecodedModel> {
  if (source instanceof Uint8Array) return checked(decodeModel(plainBytes(source), 'The model bytes'));
  if (source instanceof ArrayBuffer) return checked(decodeModel(new Uint8Array(source), 'The model bytes'));
  if (source instanceof Blob) {
    const what = source instanceof File ? `The model file '${source.name}'` : 'The model blob';
    let bytes: ArrayBuffer;
    try {
      bytes = await source.arrayBuffer();
    } catch (e) {
      throw new InvalidModelError(`${what} cannot be read (${(e as Error).message}).`, { cause: e });
    }
    return checked(decodeModel(new Uint8Array(bytes), what));
  }
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

/** A model as bytes, a Blob/File, a URL to fetch, or a model decoded already. */
export type WebModelInput = ModelSource | DecodedModel;

/** The browser options of createImageExplainer: the core's, with the platform defaulting to the browser's. */
export type WebCreateOptions = CreateOptions & { platform?: Platform };

/**
 * An image to explain in a page: the core's (RawImage, tensor, image bytes, URL string) or anything the page holds an
 * image as (URL, ArrayBuffer, Blob/File, ImageBitmap, ImageData, <img>, <canvas>, OffscreenCanvas, VideoFrame…).
 */
export type WebImage = ImageSource | WebImageSource;

/** The core's ImageExplainer, whose explain also takes page images. */
export type WebImageExplainer = ImageExplainer & {
  explain(images: readonly WebImage[], options?: ExplainOptions): Promise<ExplainResult[]>;
  explainAll(images: Iterable<WebImage> | AsyncIterable<WebImage>, options?: ExplainAllOptions): AsyncGenerator<ExplainedInput>;
};

/**
 * A model ready to explain images (layers listed, sessions compiled once and reused across calls). URLs and bytes
 * are decoded batch by batch as the core reaches them; page objects (Blob/File, bitmaps, canvases, ImageData…) are
 * decoded to RGB when explain is called, so for many large files call explain on a few at a time.
 */
export async function createImageExplainer(model: WebModelInput, options: WebCreateOptions = {}): Promise<WebImageExplainer> {
  const decoded = typeof model === 'object' && 'proto' in model ? model : await loadModel(model);
  const ex = await createCoreExplainer(decoded, { ...options, platform: options.platform ?? webPlatform() });
  const explainCore = ex.explain.bind(ex);
  const explainAllCore = ex.explainAll.bind(ex);
  // The core decodes only strings and bytes (through the platform) and knows no DOM types, so page objects become
  // RawImages here; the instance stays an ImageExplainer for code typed against the core.
  return Object.assign(ex, {
    explain: async (images: readonly WebImage[], opts?: ExplainOptions) => explainCore(await toCoreImages(images), opts),
    // Decoded one at a time as the core pulls them, so a long list of files never holds more than a batch of bitmaps.
    explainAll: (images: Iterable<WebImage> | AsyncIterable<WebImage>, opts?: ExplainAllOptions) =>
      explainAllCore(isIterable(images) ? coreImagesOf(images) : (images as Iterable<ImageSource>), opts),
  });
}

/**
 * One call: explain images with a model (bytes, Blob/File, URL or decoded). For repeated calls keep an
 * ImageExplainer (createImageExplainer) so the explain model is compiled once.
 */
export async function explain(
  model: WebModelInput,
  images: readonly WebImage[],
  options: ExplainOptions & WebCreateOptions = {},
): Promise<ExplainResult[]> {
  const core = await toCoreImages(images);
  return explainOnce(createImageExplainer(model, options), core, options);
}

/** Anything else goes to the core as is, for its own typed error. */
function isIterable(v: unknown): v is Iterable<WebImage> | AsyncIterable<WebImage> {
  return typeof v === 'object' && v !== null && (Symbol.iterator in v || Symbol.asyncIterator in v);
}

async function* coreImagesOf(images: Iterable<WebImage> | AsyncIterable<WebImage>): AsyncGenerator<ImageSource> {
  for await (const img of images) yield await toCoreImage(img);
}

/** Page images as the core's: what it takes passes as is (a non-list too, for the core's own error). */
async function toCoreImages(images: readonly WebImage[]): Promise<ImageSource[]> {
  if (!Array.isArray(images)) return images as unknown as ImageSource[];
  const out: ImageSource[] = [];
  // One at a time: each decode holds a bitmap and a canvas of the image's size until it is done.
  for (const img of images) out.push(await toCoreImage(img));
  return out;
}

async function toCoreImage(img: WebImage): Promise<ImageSource> {
  if (img instanceof URL) return img.href;
  if (img instanceof ArrayBuffer) return new Uint8Array(img);
  if (typeof img !== 'object' || img === null || img instanceof Uint8Array || isCoreObject(img)) return img as ImageSource;
  return decodeImageSamples(img as WebImageSource);
}

/**
 * RawImages and tensors, and plain objects, which the core names in its error when they are neither. ImageData has
 * width, height and data too, but no channels.
 */
function isCoreObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return 'tensor' in x || 'channels' in x || proto === Object.prototype || proto === null;
}
