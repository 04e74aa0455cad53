/**
 * Runtime adapter over the onnxruntime JavaScript API, shared by onnxruntime-node and onnxruntime-web (both expose
 * the same InferenceSession/Tensor API from onnxruntime-common); the caller passes the module it imported.
 */
import type { RtTensor, Runtime, Session, SessionOptions } from './types.js';
import { RuntimeError } from '../errors.js';

/** The part of the onnxruntime module gcam uses. */
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array | string, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
}
interface OrtTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/**
 * Places a model with external data where the engine can load it from a path; returns the path and a cleanup.
 * Only file-system platforms (Node) can provide one.
 */
export type ExternalDataPlacer = (
  model: Uint8Array,
  external: NonNullable<SessionOptions['externalData']>,
) => { path: string; cleanup(): void };

export function createOrtRuntime(
  ort: OrtModule,
  name: string,
  extraOptions: Record<string, unknown> = {},
  placeExternal?: ExternalDataPlacer,
): Runtime {
  return {
    name,
    async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<Session> {
      const opts: Record<string, unknown> = { graphOptimizationLevel: options.optimization ?? 'all', ...extraOptions };
      if (options.threads !== undefined) opts.intraOpNumThreads = options.threads;
      const ext = options.externalData;
      if (ext?.files.length && !placeExternal)
        throw new RuntimeError(
          `${name} cannot load a model with external data files from memory; use the Node runtime with a model path.`,
        );
      const placed = ext?.files.length ? placeExternal!(model, ext) : undefined;
      let s: OrtSession;
      try {
        s = await ort.InferenceSession.create(placed ? placed.path : model, opts);
      } catch (e) {
        throw new RuntimeError(`${name} could not load the model: ${(e as Error).message}`, { cause: e });
      } finally {
        // The session has read what it needs at creation.
        placed?.cleanup();
      }
      return {
        inputNames: s.inputNames,
        outputNames: s.outputNames,
        async run(feeds, outputs) {
          const f: Record<string, OrtTensor> = {};
          for (const [k, t] of Object.entries(feeds)) f[k] = new ort.Tensor(t.type, t.data, t.dims);
          let res: Record<string, OrtTensor>;
          try {
            res = outputs ? await s.run(f, outputs) : await s.run(f);
          } catch (e) {
            throw new RuntimeError(`${name} failed to run the model: ${(e as Error).message}`, { cause: e });
          }
          const out: Record<string, RtTensor> = {};
          for (const [k, t] of Object.entries(res)) {
            out[k] = { type: t.type as RtTensor['type'], dims: [...t.dims], data: t.data as RtTensor['data'] };
          }
          return out;
        },
        release: () => s.release(),
      };
    },
  };
}
