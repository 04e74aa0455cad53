/** Helpers shared by several gradient rules. */
import type { VjpContext } from './types.js';

/** Normalises a possibly negative axis for a tensor of the given rank. */
export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/**
 * Reduces a gradient of the (broadcast) output shape back to an input's shape: sums over the leading axes the input
 * lacks and over the axes where the input has size 1 but the output does not (numpy broadcasting, ONNX's rule for
 * Add/Sub/Mul/Div/Pow/Where/Max…), then reshapes to the input's run-time shape.
 */
export function unbroadcast(ctx: VjpContext, g: string, input: string, output: string): string {
  const si = ctx.shape(input);
  const so = ctx.shape(output);
  const lead = so.length - si.length;
  const axes: number[] = [];
  for (let a = 0; a < so.length; a++) {
    if (a < lead) axes.push(a);
    else if (si[a - lead] === 1 && so[a] !== 1) axes.push(a);
  }
  if (axes.length === 0 && lead === 0) return g;
  const r = ctx.b.reduceSum(g, axes, true);
  return ctx.b.op('Reshape', [r, ctx.shapeOf(input)]);
}

/** x > 0 as a 0/1 mask in x's element type. */
export function positiveMask(ctx: VjpContext, x: string): string {
  const m = ctx.b.op('Greater', [x, ctx.scalarLike(0, x)]);
  return ctx.b.cast(m, ctx.elemType(x));
}

/** Spatial attributes of Conv/pooling nodes with ONNX defaults filled in, auto_pad resolved to explicit pads. */
export interface Window {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** [x1_begin, x2_begin, …, x1_end, x2_end, …] */
  pads: number[];
}

export function windowOf(
  ctx: VjpContext | { node: VjpContext['node'] },
  kernel: number[],
  inputSpatial: readonly number[],
): Window {
  const n = ctx.node;
  const k = kernel.length;
  const strides = n.ints('strides') ?? Array(k).fill(1);
  const dilations = n.ints('dilations') ?? Array(k).fill(1);
  let pads = n.ints('pads') ?? Array(2 * k).fill(0);
  const autoPad = n.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') pads = Array(2 * k).fill(0);
  else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = Array(2 * k).fill(0);
    for (let i = 0; i < k; i++) {
      const out = Math.ceil(inputSpatial[i] / strides[i]);
      const total = Math.max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - inputSpatial[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + k] = total - pads[i];
    }
  }
  return { kernel, strides, dilations, pads };
}

/** Broadcasts g to x's shape: Expand from opset 8, before that by adding g to a zero tensor shaped like x. */
export function broadcastTo(ctx: VjpContext, g: string, x: string): string {
  if (ctx.opset >= 8) return ctx.b.op('Expand', [g, ctx.shapeOf(x)]);
  const zeros = ctx.b.op('Mul', [x, ctx.scalarLike(0, x)]);
  return ctx.b.op('Add', [zeros, g]);
}
