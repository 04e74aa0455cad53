/**
 * AveragePool: y[o] = Σ_{p ∈ window(o)} x[p] / D[o], so dx[p] = Σ_{o : p ∈ window(o)} dy[o] / D[o]: the transposed
 * convolution of dy/D with an all-ones kernel per channel (group = C), same strides, dilations and begin pads.
 * D[o] is the window's element count: with count_include_pad=1 the taps inside the padded input (x plus pads; a
 * ceil_mode window running past the end padding counts only up to it), with count_include_pad=0 the taps inside x.
 * That is onnxruntime's (and PyTorch's) convention. Spatial sizes are fixed per compile, so D is a constant built
 * here; only the batch is dynamic. The transposed convolution's output is cropped or zero-extended at the end to x's
 * size (positions no window reaches get zero).
 */
import { windowOf } from './common.js';
import type { VjpRule } from './types.js';

/** Per-axis window element counts for each output index. */
function counts(
  outSize: number,
  inSize: number,
  k: number,
  s: number,
  d: number,
  padBegin: number,
  padEnd: number,
  includePad: boolean,
): number[] {
  const lo = includePad ? -padBegin : 0;
  const hi = includePad ? inSize + padEnd : inSize;
  return Array.from({ length: outSize }, (_, o) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      const p = o * s - padBegin + j * d;
      if (p >= lo && p < hi) n++;
    }
    return n;
  });
}

export const averagePool: VjpRule = {
  opType: 'AveragePool',
  backward: (ctx) => {
    const x = ctx.node.inputs[0];
    const xs = ctx.shape(x);
    const channels = xs[1];
    const spatial = xs.slice(2);
    const ys = ctx.shape(ctx.node.outputs[0]).slice(2);
    const kernel = ctx.node.ints('kernel_shape')!;
    const win = windowOf(ctx, kernel, spatial);
    const k = kernel.length;
    const includePad = ctx.node.int('count_include_pad', 0) === 1;

    // Divisor map D over the output's spatial positions (a separable product of per-axis counts), as 1/D.
    const perAxis = ys.map((y, i) =>
      counts(y, spatial[i], kernel[i], win.strides[i], win.dilations[i], win.pads[i], win.pads[i + k], includePad),
    );
    let scale = [1];
    for (const c of perAxis) scale = scale.flatMap((v) => c.map((n) => v * n));
    scale = scale.map((n) => (n > 0 ? 1 / n : 0));
    const uniform = scale.every((v) => v === scale[0]);
    const divisor = uniform ? ctx.scalarLike(scale[0], x) : ctx.constantLike(scale, [1, 1, ...ys], x);
    const g = ctx.b.op('Mul', [ctx.gy[0]!, divisor]);

    // Transposed convolution: output index o·s + j·d − padBegin, length s·(y−1) + (k−1)·d + 1 − padBegin − padEnd'.
    const ones = ctx.constantLike(
      Array<number>(channels * kernel.reduce((a, v) => a * v, 1)).fill(1),
      [channels, 1, ...kernel],
      x,
    );
    const full = ys.map((y, i) => win.strides[i] * (y - 1) + (kernel[i] - 1) * win.dilations[i] + 1 - win.pads[i]);
    const cropEnd = full.map((f, i) => Math.max(0, f - spatial[i]));
    const gx = ctx.b.op('ConvTranspose', [g, ones], {
      group: channels,
      kernel_shape: kernel,
      strides: win.strides,
      dilations: win.dilations,
      pads: [...win.pads.slice(0, k), ...cropEnd],
    });
    const extend = full.map((f, i) => Math.max(0, spatial[i] - f));
    return [ctx.b.pad(gx, padsFor(extend))];
  },
};

/** Pads [0, 0, 0…, 0, 0, e…] for a rank 2 + k tensor extended by e at the end of each spatial axis. */
function padsFor(extend: number[]): number[] {
  const zeros = extend.map(() => 0);
  return [0, 0, ...zeros, 0, 0, ...extend];
}
