/** Flatten only reshapes: dx = reshape(dy, shape(x)). */
import type { VjpRule } from './types.js';

export const flatten: VjpRule = {
  opType: 'Flatten',
  backward: (ctx) => [ctx.b.op('Reshape', [ctx.gy[0]!, ctx.shapeOf(ctx.node.inputs[0])])],
};
