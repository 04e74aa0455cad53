/** Reshape only rearranges: dx = reshape(dy, shape(x)); the shape input gets no gradient. */
import type { VjpRule } from './types.js';

export const reshape: VjpRule = {
  opType: 'Reshape',
  backward: (ctx) => [ctx.b.op('Reshape', [ctx.gy[0]!, ctx.shapeOf(ctx.node.inputs[0])]), null],
};
