/** Dropout at inference is the identity (ratio/training_mode inputs get no gradient; the mask output none either). */
import type { VjpRule } from './types.js';

export const dropout: VjpRule = {
  opType: 'Dropout',
  check: ({ node, constant }) => {
    const training = node.inputs[2] ? constant(node.inputs[2]) : undefined;
    if (node.inputs[2] && (!training || training.values[0] !== 0)) return 'training_mode is not a constant false';
    return undefined;
  },
  backward: ({ gy }) => [gy[0], null, null],
};
