/**
 * Conv: the gradient w.r.t. the input is the transposed convolution of dy with the same weights (same group,
 * strides, dilations, pads), with output_padding = stride − 1 so it covers every input position, then cropped to the
 * input's spatial size (positions beyond the last window get zero gradient, as they should). Weights and bias are
 * never differentiated (gcam explains activations, not parameters).
 */
import { windowOf } from './common.js';
import type { VjpRule } from './types.js';

export const conv: VjpRule = {
  opType: 'Conv',
  backward: (ctx) => {
    const [x, w] = ctx.node.inputs;
    const xs = ctx.shape(x);
    const ws = ctx.shape(w);
    const spatial = xs.slice(2);
    const kernel = ctx.node.ints('kernel_shape') ?? ws.slice(2);
    const win = windowOf(ctx, kernel, spatial);
    const k = kernel.length;
    const ys = ctx.shape(ctx.node.outputs[0]).slice(2);
    const outputPadding = win.strides.map((s) => s - 1);
    const gx = ctx.b.op('ConvTranspose', [ctx.gy[0]!, w], {
      group: ctx.node.int('group', 1),
      strides: win.strides,
      dilations: win.dilations,
      pads: win.pads,
      kernel_shape: kernel,
      output_padding: outputPadding,
    });
    // Size of the ConvTranspose output, per the ONNX ConvTranspose formula.
    const full = ys.map(
      (yi, i) =>
        win.strides[i] * (yi - 1) + outputPadding[i] + (kernel[i] - 1) * win.dilations[i] + 1 - win.pads[i] - win.pads[i + k],
    );
    const crop = full.some((f, i) => f !== spatial[i]);
    const axes = spatial.map((_, i) => i + 2);
    return [
      crop
        ? ctx.b.slice(
            gx,
            spatial.map(() => 0),
            [...spatial],
            axes,
          )
        : gx,
      null,
      null,
    ];
  },
};
