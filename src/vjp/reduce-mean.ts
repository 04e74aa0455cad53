/**
 * ReduceMean: y = (1/n)·Σ x over the reduced axes (n = their element count), so dx = dy/n broadcast back to x's shape.
 * Axes: attribute before opset 18, optional input from 18 (see reduce-sum.ts for the shared handling).
 */
import { checkAxes, reduceBackward } from './reduce-sum.js';
import type { VjpRule } from './types.js';

export const reduceMean: VjpRule = {
  opType: 'ReduceMean',
  check: checkAxes,
  backward: (ctx) => reduceBackward(ctx, true),
};
