/** Concat along an axis: each input's gradient is its slab of dy (static offsets from the measured shapes). */
import { normAxis } from './common.js';
import type { VjpRule } from './types.js';

export const concat: VjpRule = {
  opType: 'Concat',
  backward: (ctx) => {
    const rank = ctx.shape(ctx.node.outputs[0]).length;
    const axis = normAxis(ctx.node.int('axis', 0), rank);
    let offset = 0;
    return ctx.node.inputs.map((x, i) => {
      const size = ctx.shape(x)[axis];
      const start = offset;
      offset += size;
      return ctx.needs[i] ? ctx.b.slice(ctx.gy[0]!, [start], [start + size], [axis]) : null;
    });
  },
};
