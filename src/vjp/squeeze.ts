/**
 * Squeeze only drops size-1 axes: dx = reshape(dy, shape(x)). The run-time shape of x makes this independent of how
 * the axes are given (attribute before opset 13, input from 13, or none = every size-1 axis); the axes get no gradient.
 */
import type { VjpRule } from './types.js';

export const squeeze: VjpRule = {
  opType: 'Squeeze',
  backward: (ctx) => [ctx.b.op('Reshape', [ctx.gy[0]!, ctx.shapeOf(ctx.node.inputs[0])]), null],
};
