/**
 * MaxPool: each input position receives the sum of dy over the windows whose maximum it is; a window with tied maxima
 * sends its whole gradient to the first maximal element in row-major window order (PyTorch's max_pool backward, and
 * the element ONNX MaxPool's Indices output names). Two constructions:
 *
 * - opset ≥ 16: the forward pool is recomputed with its Indices output (flattened N·C·H·W positions of each maximum)
 *   and dy is scatter-added there: ScatterElements with reduction='add' (opset 16), exact for overlapping windows
 *   (where MaxUnpool is not). Fast and compact.
 * - below 16 (the model's own opset, from 7): a window-offset construction that needs no scatter, so models such as
 *   the opset-7 SqueezeNet 1.1 (whose Dropout `ratio` attribute forbids raising the opset) can still be
 *   differentiated through their pools. See `windowBackward`.
 */
import { makeTensor } from '../onnx/tensor.js';
import { DataType } from '../onnx/schema.js';
import { windowOf } from './common.js';
import type { RuleContext, VjpContext, VjpRule } from './types.js';

/** First opset with ScatterElements(reduction='add') (ONNX ScatterElements-16). */
const SCATTER_ADD_OPSET = 16;
/**
 * Lowest opset of the window-offset construction: Less-7 compares float16/float/double, And-7/Or-7 take bool with
 * multidirectional broadcasting (earlier versions needed the legacy `broadcast` attribute), Mul-7 likewise.
 */
const MAX_POOL_WINDOW_MIN_OPSET = 7;
/** Spatial ranks onnxruntime's Conv/ConvTranspose/MaxPool kernels accept (1-D, 2-D and 3-D). */
const WINDOW_MAX_SPATIAL_RANK = 3;

function windowPathPossible(ctx: RuleContext): boolean {
  const rank = ctx.shape(ctx.node.inputs[0]).length - 2;
  return ctx.opset >= MAX_POOL_WINDOW_MIN_OPSET && rank >= 1 && rank <= WINDOW_MAX_SPATIAL_RANK;
}

export const maxPool: VjpRule = {
  opType: 'MaxPool',
  // Ask for a raise only when the model's opset cannot host the window-offset construction (below 7, or a pool over
  // more than 3 spatial axes); otherwise the model's opset is enough.
  minOpset: (ctx) => (windowPathPossible(ctx) ? ctx.opset : SCATTER_ADD_OPSET),
  // storage_order needs no check: neither construction reads the node's own Indices. The recomputed pool below is
  // built without storage_order, so its Indices are row-major (ONNX MaxPool: "flatten 1-D tensor" indices).
  backward: (ctx) => (ctx.opset >= SCATTER_ADD_OPSET ? scatterBackward(ctx) : windowBackward(ctx)),
};

function scatterBackward(ctx: VjpContext): (string | null)[] {
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
  const gx = ctx.b.op('ScatterElements', [zeros, ctx.b.op('Reshape', [indices, flat]), ctx.b.op('Reshape', [ctx.gy[0]!, flat])], {
    axis: 0,
    reduction: 'add',
  });
  return [ctx.b.op('Reshape', [gx, xShape])];
}

/**
 * Window-offset construction, ops of opset 7 only. For every kernel offset j (row-major over the kernel, K of them):
 *
 * 1. W_j[o] = x[o·s + j·d − padBegin], the window element at offset j of every output position o, read from x
 *    zero-padded at both ends (the end extended for ceil_mode windows) by a strided selection: Slice with steps from
 *    opset 10, below that a 1-element MaxPool with the pool's strides (the max of one element is that element).
 *    Both only copy values, so W_j is bit-exact, which step 2 relies on.
 * 2. max_j = W_j ≥ y, written Not(Less(W_j, y)) because Equal takes floats only from opset 11 (Equal-11) while
 *    Less-7 does. Every real window element is ≤ y = max of the window, so "not less" is exactly "equal". Positions
 *    in the padding are excluded by a constant validity mask (ONNX MaxPool ignores pads; spatial sizes are static).
 * 3. first_j = max_j ∧ ¬(max_0 ∨ … ∨ max_{j−1}): only the first maximal offset of each window, PyTorch's tie rule.
 * 4. g_j = dy · first_j, interleaved to [N, C·K, out…] (channel c·K + j) and sent back with one ConvTranspose
 *    (group = C, one-hot kernel per input channel: c·K + j → offset j of channel c) with the pool's strides,
 *    dilations and begin pads: ConvTranspose writes input o to o·s + j·d − padBegin and sums overlaps, which is
 *    exactly the sum over the windows containing each position. End pads and output_padding are chosen so that its
 *    output size s·(out−1) + output_padding + (k−1)·d + 1 − padBegin − padEnd (ONNX ConvTranspose) is x's size.
 *
 * Output sizes come from the probe run, so ceil_mode and every auto_pad mode need no output-size formula here.
 */
function windowBackward(ctx: VjpContext): (string | null)[] {
  const { b } = ctx;
  const x = ctx.node.inputs[0];
  const y = ctx.node.outputs[0];
  const xs = ctx.shape(x);
  const channels = xs[1];
  const spatial = xs.slice(2);
  const r = spatial.length;
  const ys = ctx.shape(y).slice(2);
  const kernel = ctx.node.ints('kernel_shape') ?? [];
  const win = windowOf(ctx, kernel, spatial);
  const begin = win.pads.slice(0, r);
  const eff = kernel.map((k, i) => (k - 1) * win.dilations[i] + 1);
  // Extent of the last window past x's end (negative: the last rows/columns belong to no window).
  const need = ys.map((o, i) => (o - 1) * win.strides[i] + eff[i] - spatial[i] - begin[i]);
  const end = need.map((n) => Math.max(0, n));

  // Offsets in row-major kernel order (the tie order).
  const offsets: number[][] = [[]];
  for (const k of kernel) {
    const next: number[][] = [];
    for (const prefix of offsets) for (let j = 0; j < k; j++) next.push([...prefix, j]);
    offsets.splice(0, offsets.length, ...next);
  }
  const count = offsets.length;

  const padded = b.pad(x, [0, 0, ...begin, 0, 0, ...end]);
  const axes = spatial.map((_, i) => i + 2);
  const allOnes = win.strides.every((s) => s === 1);
  const gy = ctx.gy[0]!;
  const pieces: string[] = [];
  let found: string | undefined;
  offsets.forEach((j, idx) => {
    const starts = j.map((ji, i) => ji * win.dilations[i]);
    // Exclusive end one past the last element read: start + (out − 1)·s + 1 (within the padded length by `end`).
    const ends = starts.map((st, i) => st + (ys[i] - 1) * win.strides[i] + 1);
    let w: string;
    if (allOnes) w = b.slice(padded, starts, ends, axes);
    else if (ctx.opset >= 10) w = b.slice(padded, starts, ends, axes, win.strides);
    else {
      const cut = b.slice(padded, starts, ends, axes);
      w = b.op('MaxPool', [cut], { kernel_shape: spatial.map(() => 1), strides: win.strides });
    }
    let isMax = b.op('Not', [b.op('Less', [w, y])]);
    const valid = validity(j, ys, spatial, win.strides, win.dilations, begin);
    if (valid) isMax = b.op('And', [isMax, b.constant(valid, [1, 1, ...ys], DataType.BOOL)]);
    let first = isMax;
    if (found !== undefined) {
      first = b.op('And', [isMax, b.op('Not', [found])]);
      if (idx < count - 1) found = b.op('Or', [found, isMax]);
    } else found = isMax;
    const g = b.op('Mul', [gy, b.cast(first, ctx.elemType(x))]);
    pieces.push(count === 1 ? g : b.unsqueeze(g, [2]));
  });
  const stacked = count === 1 ? pieces[0] : b.op('Concat', pieces, { axis: 2 });
  const merged = count === 1 ? stacked : b.op('Reshape', [stacked, b.int64s([0, channels * count, ...ys])]);

  const oneHot = new Array<number>(channels * count * count).fill(0);
  for (let c = 0; c < channels; c++) for (let j = 0; j < count; j++) oneHot[(c * count + j) * count + j] = 1;
  const weight = ctx.constantLike(oneHot, [channels * count, 1, ...kernel], x);
  const gx = b.op('ConvTranspose', [merged, weight], {
    group: channels,
    kernel_shape: kernel,
    strides: win.strides,
    dilations: win.dilations,
    pads: [...begin, ...end],
    // need ≥ −(s − 1) for a floor-mode output size, so this stays below the stride.
    output_padding: need.map((n) => Math.max(0, -n)),
  });
  return [gx];
}

/**
 * 0/1 per output position: does offset j of its window fall inside x (not in the padding)? undefined when every
 * position is inside (no mask needed).
 */
function validity(
  j: readonly number[],
  ys: readonly number[],
  spatial: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  begin: readonly number[],
): number[] | undefined {
  const perAxis = ys.map((o, i) =>
    Array.from({ length: o }, (_, q) => {
      const p = q * strides[i] + j[i] * dilations[i] - begin[i];
      return p >= 0 && p < spatial[i] ? 1 : 0;
    }),
  );
  if (perAxis.every((a) => a.every((v) => v === 1))) return undefined;
  let mask = [1];
  for (const a of perAxis) mask = mask.flatMap((m) => a.map((v) => m * v));
  return mask;
}
