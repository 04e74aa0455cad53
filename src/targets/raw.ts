/**
 * raw[:I] — the model output itself, for regression: f = Σ_i y_i (one value per image: that value), or raw:I the
 * value at flat index I of the image's output; df/dy = 1 on the summed values. Never the logits under a final
 * Softmax/Sigmoid: the output as the model gives it.
 */
import { InvalidOptionError } from '../errors.js';
import { perImage, shapeText } from './checks.js';
import type { TargetKind } from './types.js';

export const rawTarget: TargetKind = {
  name: 'raw',
  syntax: 'raw[:I]',
  summary: 'the output itself (regression): the sum of its values per image, or the value at flat index I',
  bind(arg, output) {
    const k = perImage(output);
    let index: number | undefined;
    if (arg !== undefined) {
      index = /^\d+$/.test(arg) ? Number(arg) : NaN;
      if (!(index >= 0 && index < k))
        throw new InvalidOptionError(
          'target',
          `'raw:${arg}': the index must be an integer from 0 to ${k - 1} (output '${output.name}' is ${shapeText(output)}).`,
        );
    }
    return {
      text: index === undefined ? 'raw' : `raw:${index}`,
      reads: 'output',
      needsScores: false,
      seed: () => {
        if (index === undefined) return new Float32Array(k).fill(1);
        const g = new Float32Array(k);
        g[index] = 1;
        return g;
      },
      value: (y) => {
        if (index !== undefined) return y[index];
        let s = 0;
        for (let i = 0; i < k; i++) s += y[i];
        return s;
      },
    };
  },
};
