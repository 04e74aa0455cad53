/** class:C — the score of class C (its logit under a final Softmax/Sigmoid): f(s) = s_C, df/ds = e_C. */
import { classOf, perImage } from './checks.js';
import type { TargetKind } from './types.js';

export const classTarget: TargetKind = {
  name: 'class',
  syntax: 'class:C',
  summary: 'the score of class C (an index or a label): its logit when the model ends in Softmax or Sigmoid',
  bind(arg, output) {
    const c = classOf(arg, output, 'class');
    const k = perImage(output);
    return {
      text: `class:${c}`,
      reads: 'logits',
      classIndex: c,
      needsScores: false,
      seed: () => {
        const g = new Float32Array(k);
        g[c] = 1;
        return g;
      },
      value: (s) => s[c],
    };
  },
};
