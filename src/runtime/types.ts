/**
 * The one small interface gcam needs from an inference engine. Implemented over onnxruntime-node and
 * onnxruntime-web (same API, see ort.ts); nothing else in gcam imports an engine.
 */
export type ElementType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

export interface RtTensor {
  type: ElementType;
  dims: readonly number[];
  /** float16 data is carried as its IEEE bits in a Uint16Array, int64 as BigInt64Array. */
  data: Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

export interface SessionOptions {
  /** Intra-op threads; default: the engine's default. */
  threads?: number;
  /** Graph optimisation level; default 'all'. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** External data files the model refers to (relative to baseDir); runtimes that load from bytes must place them. */
  externalData?: { baseDir: string; files: readonly string[] };
}

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, RtTensor>, outputs?: readonly string[]): Promise<Record<string, RtTensor>>;
  release(): Promise<void>;
}

export interface Runtime {
  readonly name: string;
  createSession(model: Uint8Array, options?: SessionOptions): Promise<Session>;
}
