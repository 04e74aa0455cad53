/**
 * Unsqueeze only inserts size-1 axes: dx = reshape(dy, shape(x)), whichever way the axes are given (attribute before
 * opset 13, input from 13); the axes get no gradient.
 */
import type { VjpRule } from './types.js';

export const unsqueeze: VjpRule = {
  opType: 'Unsqueeze',
  backward: (ctx) => [ctx.b.op('Reshape', [ctx.gy[0]!, ctx.shapeOf(ctx.node.inputs[0])]), null],
};
