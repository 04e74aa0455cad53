/**
 * ConvTranspose is the adjoint of Conv: y[o] = Σ_i Σ_k x[i]·W[k] over o = i·s + k·d − pad_begin, so the gradient
 * w.r.t. its input is the convolution of dy with the same weights, strides, dilations, pads and group (its weights
 * [C_in, C_out/group, k…] are exactly a Conv's [M, C/group, k…] with M = C_in). output_padding only adds output
 * positions no input reaches; it is below the stride (onnxruntime refuses the node otherwise), so the convolution
 * gives exactly the input's positions. Weights and bias are never differentiated.
 */
import type { VjpRule } from './types.js';

export const convTranspose: VjpRule = {
  opType: 'ConvTranspose',
  check: (ctx) => {
    const autoPad = ctx.node.string('auto_pad', 'NOTSET');
    if (ctx.node.ints('output_shape') || (autoPad !== 'NOTSET' && autoPad !== 'VALID'))
      return `ConvTranspose with ${ctx.node.ints('output_shape') ? 'output_shape' : `auto_pad ${autoPad}`} is not supported on the backward path; re-export it with explicit pads (PyTorch does).`;
    return undefined;
  },
  backward: (ctx) => {
    const [x, w] = ctx.node.inputs;
    const spatial = ctx.shape(x).slice(2);
    const k = spatial.length;
    const kernel = ctx.node.ints('kernel_shape') ?? ctx.shape(w).slice(2);
    const strides = ctx.node.ints('strides') ?? Array(k).fill(1);
    const dilations = ctx.node.ints('dilations') ?? Array(k).fill(1);
    const pads =
      ctx.node.string('auto_pad', 'NOTSET') === 'VALID' ? Array(2 * k).fill(0) : (ctx.node.ints('pads') ?? Array(2 * k).fill(0));
    const gx = ctx.b.op('Conv', [ctx.gy[0]!, w], {
      group: ctx.node.int('group', 1),
      strides,
      dilations,
      pads,
      kernel_shape: kernel,
    });
    return [gx, null, null];
  },
};
