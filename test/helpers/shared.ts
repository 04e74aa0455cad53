/** Files from ../shared (real models, photos): tests that need one skip with a one-line reason when it is missing. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED = fileURLToPath(new URL('../../../shared/', import.meta.url));

/** Absolute path of a ../shared file, or undefined when absent. */
export function sharedPath(rel: string): string | undefined {
  const p = SHARED + rel;
  return existsSync(p) ? p : undefined;
}

/** `{ skip: reason }` for node:test when a shared file is missing, else `{}`. */
export function needsShared(rel: string): { skip?: string } {
  return sharedPath(rel) ? {} : { skip: `../shared/${rel} is missing` };
}

export const SQUEEZENET = 'models/squeezenet1.1/squeezenet1.1.onnx';
export const SQUEEZENET_FP16 = 'models/squeezenet1.1/squeezenet1.1-fp16.onnx';
