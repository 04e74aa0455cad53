/**
 * The built-in models (issue "built-in model"), small CNNs trained on procedural data whose right answers are known:
 * the 2-D shapes model (tools/train_shapes.py on the scenes of src/scenes, six shape classes, models/shapes/) and the
 * 3-D one (tools/train_shapes3d.py on the volumes of src/scenes/volume-scene.ts, four solid classes,
 * models/shapes3d/), both multi-label with a sigmoid head. `gcam explain` without --model uses the first, or the
 * second when every input is a NIfTI volume; `gcam demo` and `gcam demo --volume` use them. Node only (reads the
 * files beside the package).
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

export interface BuiltinVolumeModel {
  path: string;
  labels: string[];
  /** The intensity preset it was trained with ('none': the stored 8-bit levels as they are). */
  intensity: string;
  /** Its input's [D, H, W]. */
  size: number[];
  meta: Record<string, unknown>;
}

/** What models/shapes3d/shapes3d.json says of the input (tools/train_shapes3d.py writes it). */
interface Shapes3dMeta {
  labels: string[];
  input: { size: number[]; intensity: string };
}

/** Works from both src/ (tsx) and dist/ (built): models/ is beside either. */
const MODELS = new URL('../models/', import.meta.url);

/** The ONNX file and the parsed description of one built-in model, or an error saying it is missing. */
function readBuiltin<M>(folder: string, what: string): { path: string; meta: M & Record<string, unknown> } {
  const path = fileURLToPath(new URL(`${folder}/${folder}.onnx`, MODELS));
  const metaPath = fileURLToPath(new URL(`${folder}/${folder}.json`, MODELS));
  if (!existsSync(path) || !existsSync(metaPath))
    throw new InvalidModelError(`The built-in ${what} is missing (${path}); reinstall gcam or pass --model.`);
  return { path, meta: JSON.parse(readFileSync(metaPath, 'utf8')) as M & Record<string, unknown> };
}

export function builtinModel(): BuiltinModel {
  const { path, meta } = readBuiltin<ShapesMeta>('shapes', 'model');
  return { path, labels: meta.labels, preprocess: builtinPreprocess(meta), meta };
}

export function builtinVolumeModel(): BuiltinVolumeModel {
  const { path, meta } = readBuiltin<Shapes3dMeta>('shapes3d', '3-D model');
  return { path, labels: meta.labels, intensity: meta.input.intensity, size: meta.input.size, meta };
}
