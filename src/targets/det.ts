/**
 * det:K — a raw-head detector's K-th highest-scoring box after non-maximum suppression (det:0 the best), from a
 * forward run: f = the score of its class at its anchor (objectness · class score for YOLOv5 layouts), df/d(output)
 * one-hot there (detections.ts). The choice is held fixed while differentiating, as NMS is not differentiable.
 */
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { detect, detectionTarget, layoutOf, type Detection } from './detections.js';
import type { TargetKind } from './types.js';

export const detTarget: TargetKind = {
  name: 'det',
  syntax: 'det:K',
  summary: "a detector's K-th highest-scoring box after non-maximum suppression (det:0 the best)",
  bind(arg, output) {
    const k = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : NaN;
    if (!Number.isInteger(k)) throw new InvalidOptionError('target', `'det:${arg ?? ''}': K must be a box rank 0, 1, 2…`);
    const layout = layoutOf(output, `det:${k}`);
    const pick = (s: Float32Array): Detection => {
      const kept = detect(layout, s);
      if (k >= kept.length)
        throw new InvalidInputError(
          `'det:${k}': the model keeps ${kept.length} boxes after non-maximum suppression; use det:0 to det:${kept.length - 1}.`,
        );
      return kept[k];
    };
    return detectionTarget(`det:${k}`, layout, output, pick);
  },
};
