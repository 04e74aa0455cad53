/** Node entry point: the platform-free API plus onnxruntime-node and file loading. */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, type DecodedModel } from './onnx/decode.js';
import { createOrtRuntime, type OrtModule } from './runtime/ort.js';
import type { Runtime } from './runtime/types.js';
import { InvalidModelError } from './errors.js';

export * from './index.js';

let runtime: Runtime | undefined;
/** The onnxruntime-node runtime (CPU). */
export function nodeRuntime(): Runtime {
  return (runtime ??= createOrtRuntime(ort as unknown as OrtModule, 'onnxruntime-node'));
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
  return decodeModel(bytes, `Model file '${source}'`, (location) => readFileSync(resolve(dir, location)));
}
