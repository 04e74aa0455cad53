/** Identity: y = x, so dx = dy. */
import type { VjpRule } from './types.js';

export const identity: VjpRule = {
  opType: 'Identity',
  backward: ({ gy }) => [gy[0]],
};
