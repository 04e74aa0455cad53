/** The one list of CAM methods: it feeds `--method`, the API's `method` option and docs/methods.md (guarded by a test). */
import type { CamMethod } from '../method.js';
import { ablationcam } from './ablationcam.js';
import { eigencam } from './eigencam.js';
import { eigengradcam } from './eigengradcam.js';
import { gradcam } from './gradcam.js';
import { gradcamElementwise } from './gradcam-elementwise.js';
import { gradcamPlusPlus } from './gradcam-plus-plus.js';
import { guidedbackprop } from './guidedbackprop.js';
import { guidedgradcam } from './guidedgradcam.js';
import { hirescam } from './hirescam.js';
import { layercam } from './layercam.js';
import { saliency } from './saliency.js';
import { scorecam } from './scorecam.js';
import { xgradcam } from './xgradcam.js';

export const METHODS: readonly CamMethod[] = [
  gradcam,
  gradcamPlusPlus,
  hirescam,
  xgradcam,
  layercam,
  gradcamElementwise,
  eigencam,
  eigengradcam,
  scorecam,
  ablationcam,
  saliency,
  guidedbackprop,
  guidedgradcam,
];

export const METHOD_NAMES = METHODS.map((m) => m.name);

export function methodFor(name: string): CamMethod | undefined {
  return METHODS.find((m) => m.name === name);
}
