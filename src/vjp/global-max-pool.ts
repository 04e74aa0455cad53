/**
 * GlobalMaxPool: y[n,c] = max over the spatial positions of x[n,c], so dx[n,c,p] = dy[n,c] at the position p of the
 * maximum and 0 elsewhere. Ties follow PyTorch's adaptive_max_pool2d(x, 1) (and ONNX MaxPool's Indices): the whole
 * gradient goes to the first maximum in row-major order, never split (torch.amax would split it evenly). Built as
 * ArgMax over the flattened spatial axis (first index on ties) compared with 0…HW−1, valid from opset 7.
 */
import { DataType } from '../onnx/schema.js';
import type { VjpRule } from './types.js';

export const globalMaxPool: VjpRule = {
  opType: 'GlobalMaxPool',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const positions = ctx
      .shape(x)
      .slice(2)
      .reduce((a, d) => a * d, 1);
    const flat = ctx.b.op('Reshape', [x, ctx.b.int64s([0, 0, -1])]);
    const argmax = ctx.b.op('ArgMax', [flat], { axis: 2, keepdims: 1 });
    const range = ctx.b.constant(
      Array.from({ length: positions }, (_, i) => i),
      [positions],
      DataType.INT64,
    );
    const onehot = ctx.b.cast(ctx.b.op('Equal', [argmax, range]), ctx.elemType(x));
    const mask = ctx.b.op('Reshape', [onehot, ctx.shapeOf(x)]);
    return [ctx.b.op('Mul', [mask, ctx.gy[0]!])];
  },
};
