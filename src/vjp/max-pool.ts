/**
 * MaxPool: each input position receives the sum of dy over the windows whose maximum it is. The forward pool is
 * recomputed with its Indices output (flattened N·C·H·W positions of each maximum), and dy is scatter-added there:
 * ScatterElements with reduction='add' (opset 16), exact for overlapping windows, unlike MaxUnpool (DESIGN.md).
 */
import { makeTensor } from '../onnx/tensor.js';
import type { VjpRule } from './types.js';

export const maxPool: VjpRule = {
  opType: 'MaxPool',
  minOpset: () => 16,
  check: ({ node }) => (node.int('storage_order', 0) !== 0 ? 'storage_order=1 (column-major indices)' : undefined),
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const attrs: Record<string, number | number[] | string> = {};
    for (const name of ['kernel_shape', 'strides', 'dilations', 'pads']) {
      const v = ctx.node.ints(name);
      if (v) attrs[name] = v;
    }
    attrs.ceil_mode = ctx.node.int('ceil_mode', 0);
    const autoPad = ctx.node.string('auto_pad', 'NOTSET');
    if (autoPad !== 'NOTSET') attrs.auto_pad = autoPad;
    const [, indices] = ctx.b.node('MaxPool', [x], attrs, 2);
    const flat = ctx.b.int64s([-1]);
    const xShape = ctx.shapeOf(x);
    const size = ctx.b.op('ReduceProd', [xShape], { keepdims: 1 });
    const zero = makeTensor('', ctx.elemType(x), [1], [0]);
    const zeros = ctx.b.op('ConstantOfShape', [size], { value: { t: zero } });
    const gx = ctx.b.op(
      'ScatterElements',
      [zeros, ctx.b.op('Reshape', [indices, flat]), ctx.b.op('Reshape', [ctx.gy[0]!, flat])],
      {
        axis: 0,
        reduction: 'add',
      },
    );
    return [ctx.b.op('Reshape', [gx, xShape])];
  },
};
