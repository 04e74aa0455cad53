/**
 * binary[:1|0] — a binary classifier with one output per image (a logit, or a Sigmoid over it): the positive class
 * explains the logit z, the negative class −z (the logit of 1 − σ(z)); df/dz = ±1.
 */
import { InvalidOptionError } from '../errors.js';
import { perImage, shapeText } from './checks.js';
import type { TargetKind } from './types.js';

export const binaryTarget: TargetKind = {
  name: 'binary',
  syntax: 'binary[:1|0]',
  summary: 'a one-output binary classifier: its logit for the positive class (1, the default), minus it for 0',
  bind(arg, output) {
    if (arg !== undefined && arg !== '0' && arg !== '1')
      throw new InvalidOptionError('target', `'binary:${arg}': the class is 1 (positive) or 0 (negative).`);
    if (perImage(output) !== 1)
      throw new InvalidOptionError(
        'target',
        `'binary' needs one output value per image; output '${output.name}' is ${shapeText(output)}: use class:C or prob:C.`,
      );
    const sign = arg === '0' ? -1 : 1;
    return {
      text: `binary:${sign > 0 ? 1 : 0}`,
      reads: 'logits',
      classIndex: sign > 0 ? 1 : 0,
      needsScores: false,
      seed: () => Float32Array.of(sign),
      value: (z) => sign * z[0],
    };
  },
};
