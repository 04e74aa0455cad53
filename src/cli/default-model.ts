/**
 * The model `gcam explain` uses without --model: the built-in 2-D shapes model, unless every input names a NIfTI
 * volume (.nii, .nii.gz), then the built-in 3-D shapes model. Inputs of both kinds in one run are refused, since
 * either model would skip the other's inputs.
 */
import { builtinModel, builtinVolumeModel, type BuiltinModel, type BuiltinVolumeModel } from '../builtin.js';
import { UsageError } from './args.js';
import type { InputEntry } from './input-list.js';
import { isNiftiPath } from './inputs.js';

export type DefaultModel = { kind: 'image'; model: BuiltinModel } | { kind: 'volume'; model: BuiltinVolumeModel };

export function defaultModel(entries: readonly InputEntry[]): DefaultModel {
  const volumes = entries.filter((e) => isNiftiPath(e.path));
  if (volumes.length === 0) return { kind: 'image', model: builtinModel() };
  if (volumes.length === entries.length) return { kind: 'volume', model: builtinVolumeModel() };
  const other = entries.find((e) => !isNiftiPath(e.path))!;
  throw new UsageError(
    `Without --model, images go to the built-in shapes model and NIfTI volumes to the built-in 3-D model, but this ` +
      `run names both ('${volumes[0].path}' and '${other.path}'): explain them in two runs, or pass --model.`,
  );
}

/** The line printed when a run uses a built-in model: which one, the rule that chose it, and how to use one's own. */
export function defaultModelNotice(d: DefaultModel): string {
  return d.kind === 'image'
    ? 'gcam: no --model given: explaining with the built-in shapes model (docs/builtin-model.md; NIfTI volumes get the ' +
        'built-in 3-D model); pass --model your.onnx for your own.'
    : 'gcam: no --model given and every input is a NIfTI volume: explaining with the built-in 3-D shapes model ' +
        '(docs/medical.md; images get the 2-D one); pass --model your.onnx for your own.';
}
