/**
 * Split along an axis: dx = concat(dy_1, …, dy_k) along that axis, where an output no gradient reaches contributes
 * zeros of its own (run-time) shape. The split sizes (attribute before opset 13, input from 13, num_outputs from 18)
 * never need to be read: each output's shape already says how large its slab is.
 */
import { makeTensor } from '../onnx/tensor.js';
import { normAxis } from './common.js';
import type { VjpContext, VjpRule } from './types.js';

/** Zeros shaped like tensor t at run time: ConstantOfShape from opset 9, before that Tile of a [1,…,1] zero. */
function zerosLike(ctx: VjpContext, t: string): string {
  if (ctx.opset >= 9) {
    const zero = makeTensor('', ctx.elemType(t), [1], [0]);
    return ctx.b.op('ConstantOfShape', [ctx.shapeOf(t)], { value: { t: zero } });
  }
  const rank = ctx.shape(t).length;
  const dims = Array<number>(rank).fill(1);
  return ctx.b.op('Tile', [ctx.constantLike([0], dims, t), ctx.shapeOf(t)]);
}

export const split: VjpRule = {
  opType: 'Split',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const axis = normAxis(ctx.node.int('axis', 0), ctx.shape(x).length);
    const parts = ctx.node.outputs.map((o, i) => ctx.gy[i] ?? zerosLike(ctx, o));
    const gx = parts.length === 1 ? parts[0] : ctx.b.op('Concat', parts, { axis });
    return ctx.node.inputs.map((_, i) => (i === 0 ? gx : null));
  },
};
