/**
 * The built-in model (issue "built-in model"): a small CNN trained by tools/train_shapes.py on the procedural scenes
 * of src/scenes (six shape classes, multi-label sigmoid head), shipped in models/shapes/. `gcam explain` without
 * --model and `gcam demo` use it. Node only (reads the files beside the package).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PreprocessSpec } from './image/preprocess.js';
import { InvalidModelError } from './errors.js';
import { builtinPreprocess, type ShapesMeta } from './builtin-meta.js';

export interface BuiltinModel {
  /** Absolute path of the ONNX file. */
  path: string;
  labels: string[];
  /** The preprocessing it was trained with (stretch to its input size, RGB, range and mean/std as trained). */
  preprocess: PreprocessSpec;
  /** What its metadata says (generator and training settings, measured mAP). */
  meta: Record<string, unknown>;
}

/** Works from both src/ (tsx) and dist/ (built): models/ is beside either. */
const DIR = new URL('../models/shapes/', import.meta.url);

export function builtinModel(): BuiltinModel {
  const path = fileURLToPath(new URL('shapes.onnx', DIR));
  const metaPath = fileURLToPath(new URL('shapes.json', DIR));
  if (!existsSync(path) || !existsSync(metaPath))
    throw new InvalidModelError(`The built-in model is missing (${path}); reinstall gcam or pass --model.`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as ShapesMeta & Record<string, unknown>;
  return { path, labels: meta.labels, preprocess: builtinPreprocess(meta), meta };
}
