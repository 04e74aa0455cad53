/**
 * box:x1,y1,x2,y2[:C] — a raw-head detector's box that best overlaps the given one (IoU, model-input pixels) among
 * those kept by non-maximum suppression (of class C when given): f = its class score at its anchor, df/d(output)
 * one-hot there (detections.ts), the choice held fixed while differentiating.
 */
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { detect, detectionTarget, iou, layoutOf, type Box, type Detection } from './detections.js';
import type { TargetKind } from './types.js';

export const boxTarget: TargetKind = {
  name: 'box',
  syntax: 'box:x1,y1,x2,y2[:C]',
  summary: "a detector's box that best overlaps the given one (IoU, model-input pixels), of class C when given",
  bind(arg, output) {
    const [coords, clsText] = (arg ?? '').split(':');
    const given = coords.split(',').map(Number);
    if (given.length !== 4 || !given.every(Number.isFinite) || given[2] <= given[0] || given[3] <= given[1])
      throw new InvalidOptionError(
        'target',
        `'box:${arg ?? ''}': give the box as x1,y1,x2,y2 in model-input pixels with x1 < x2 and y1 < y2 (then :C for a class).`,
      );
    const layout = layoutOf(output, 'box:');
    const cls = clsText === undefined ? undefined : /^\d+$/.test(clsText) ? Number(clsText) : NaN;
    if (cls !== undefined && !(cls >= 0 && cls < layout.classes))
      throw new InvalidOptionError(
        'target',
        `'box:${arg}': class ${clsText} is out of range: the detector has ${layout.classes} classes (0–${layout.classes - 1}).`,
      );
    const box = given as Box;
    const text = `box:${given.join(',')}${cls === undefined ? '' : `:${cls}`}`;
    const pick = (s: Float32Array): Detection => {
      let best: Detection | undefined;
      let bestIou = 0;
      for (const d of detect(layout, s)) {
        const o = cls === undefined || d.cls === cls ? iou(d.box, box) : 0;
        if (o > bestIou) [best, bestIou] = [d, o];
      }
      if (!best)
        throw new InvalidInputError(
          `'${text}': no box kept by non-maximum suppression${cls === undefined ? '' : ` of class ${cls}`} overlaps it; check the coordinates (model-input pixels) or use det:K.`,
        );
      return best;
    };
    return detectionTarget(text, layout, output, pick, cls);
  },
};
