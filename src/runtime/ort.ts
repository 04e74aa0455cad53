/**
 * Runtime adapter over the onnxruntime JavaScript API, shared by onnxruntime-node and onnxruntime-web (both expose
 * the same InferenceSession/Tensor API from onnxruntime-common); the caller passes the module it imported.
 */
import type { RtTensor, Runtime, Session, SessionOptions } from './types.js';
import { RuntimeError } from '../errors.js';

/** The part of the onnxruntime module gcam uses. */
export interface OrtModule {
  InferenceSession: {
    create(model: Uint8Array, options?: Record<string, unknown>): Promise<OrtSession>;
  };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
}
interface OrtTensor {
  type: string;
  dims: readonly number[];
  data: unknown;
  dispose?(): void;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

export function createOrtRuntime(ort: OrtModule, name: string, extraOptions: Record<string, unknown> = {}): Runtime {
  return {
    name,
    async createSession(model: Uint8Array, options: SessionOptions = {}): Promise<Session> {
      const opts: Record<string, unknown> = { graphOptimizationLevel: options.optimization ?? 'all', ...extraOptions };
      if (options.threads !== undefined) opts.intraOpNumThreads = options.threads;
      let s: OrtSession;
      try {
        s = await ort.InferenceSession.create(model, opts);
      } catch (e) {
        throw new RuntimeError(`${name} could not load the model: ${(e as Error).message}`, { cause: e });
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
