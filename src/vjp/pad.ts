/**
 * Pad (constant mode): y = x with pads[a] values before and pads[a+r] after axis a (negative pads crop), so dx is the
 * middle of dy: Slice off the positive pads, and zero-Pad where the forward cropped. Slice bounds are anchored to the
 * ends (start = pad_begin, end = −pad_end), so nothing depends on a measured size. Pads are an attribute before
 * opset 11, a constant input after (with the optional axes input of opset 18); the constant value gets no gradient.
 * reflect/edge/wrap modes are not supported.
 *
 * Pads computed at run time (PyTorch's F.pad with sizes derived from Shape(x), e.g. torchvision's Swin windows) take
 * the same path with int64 tensor arithmetic: begin = max(p_begin, 0), length = d − max(−p_begin, 0) − max(−p_end, 0),
 * dx = Pad(Slice(dy, begin, begin + length), [max(−p_begin, 0), max(−p_end, 0)]) (a no-op Pad when nothing was cropped).
 */
import { DataType } from '../onnx/schema.js';
import { normAxis } from './common.js';
import type { RuleContext, VjpContext, VjpRule } from './types.js';

/** Per-axis [begin…, end…] pads for the full rank, or why they are unknown. */
function fullPads(ctx: RuleContext): number[] | string {
  const n = ctx.node;
  const rank = ctx.shape(n.inputs[0]).length;
  if (n.has('pads')) return n.ints('pads')!;
  const p = n.inputs[1] ? ctx.constant(n.inputs[1]) : undefined;
  if (!p) return 'pads are not constant (computed at run time)';
  const values = Array.from(p.values);
  if (!n.inputs[3]) return values;
  const a = ctx.constant(n.inputs[3]);
  if (!a) return 'axes are not constant (computed at run time)';
  const axes = Array.from(a.values, (v) => normAxis(v, rank));
  const pads = Array<number>(2 * rank).fill(0);
  axes.forEach((axis, i) => {
    pads[axis] = values[i];
    pads[axis + rank] = values[i + axes.length];
  });
  return pads;
}

export const pad: VjpRule = {
  opType: 'Pad',
  check: (ctx) => {
    const mode = ctx.node.string('mode', 'constant');
    if (mode !== 'constant') return `mode '${mode}' (only constant padding is supported)`;
    const p = fullPads(ctx);
    if (typeof p !== 'string') return undefined;
    const r = runtimeAxes(ctx);
    return typeof r === 'string' ? `${p} and ${r}` : undefined;
  },
  backward: (ctx) => {
    if (typeof fullPads(ctx) === 'string') return ctx.node.inputs.map((_, i) => (i === 0 ? runtimeBackward(ctx) : null));
    const x = ctx.node.inputs[0];
    const rank = ctx.shape(x).length;
    const pads = fullPads(ctx) as number[];
    const axes: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const zeroPads = Array<number>(2 * rank).fill(0);
    for (let a = 0; a < rank; a++) {
      const [begin, end] = [pads[a], pads[a + rank]];
      if (begin > 0 || end > 0) {
        axes.push(a);
        starts.push(Math.max(begin, 0));
        ends.push(end > 0 ? -end : Number.MAX_SAFE_INTEGER);
      }
      zeroPads[a] = Math.max(-begin, 0);
      zeroPads[a + rank] = Math.max(-end, 0);
    }
    const g = ctx.gy[0]!;
    const cropped = axes.length ? ctx.b.slice(g, starts, ends, axes) : g;
    return ctx.node.inputs.map((_, i) => (i === 0 ? ctx.b.pad(cropped, zeroPads) : null));
  },
};

/** The padded axes when the pads are a run-time tensor (constant axes input or none; opset ≥ 11), else why not. */
function runtimeAxes(ctx: RuleContext): number[] | string {
  const n = ctx.node;
  const rank = ctx.shape(n.inputs[0]).length;
  if (n.has('pads') || ctx.opset < 11) return 'run-time pads need opset >= 11';
  if (!n.inputs[3]) return Array.from({ length: rank }, (_, i) => i);
  const a = ctx.constant(n.inputs[3]);
  return a ? Array.from(a.values, (v) => normAxis(v, rank)) : 'the axes are computed at run time';
}

/** dx for run-time pads: crop what was padded, zero-pad what was cropped (see the header). */
function runtimeBackward(ctx: VjpContext): string {
  const b = ctx.b;
  const [x, padsIn] = ctx.node.inputs;
  const rank = ctx.shape(x).length;
  const axes = runtimeAxes(ctx) as number[];
  const k = axes.length;
  const p = ctx.elemType(padsIn) === DataType.INT64 ? padsIn : b.cast(padsIn, DataType.INT64);
  const zero = b.int64s([0]);
  let pb: string, pe: string;
  if (k === rank && axes.every((a, i) => a === i)) {
    pb = b.slice(p, [0], [rank], [0]);
    pe = b.slice(p, [rank], [2 * rank], [0]);
  } else {
    // Pads for listed axes only (opset 18): one element per axis of x, zero where not listed.
    const at = (i: number) => b.slice(p, [i], [i + 1], [0]);
    const begin = Array<string>(rank).fill(zero);
    const end = Array<string>(rank).fill(zero);
    axes.forEach((a, i) => {
      begin[a] = at(i);
      end[a] = at(i + k);
    });
    pb = b.op('Concat', begin, { axis: 0 });
    pe = b.op('Concat', end, { axis: 0 });
  }
  const positive = (v: string) => b.op('Where', [b.op('Less', [v, zero]), zero, v]);
  const start = positive(pb);
  const cropBegin = positive(b.op('Neg', [pb]));
  const cropEnd = positive(b.op('Neg', [pe]));
  const length = b.op('Sub', [b.op('Sub', [ctx.shapeOf(x), cropBegin]), cropEnd]);
  const all = b.int64s(Array.from({ length: rank }, (_, i) => i));
  const inner = b.op('Slice', [ctx.gy[0]!, start, b.op('Add', [start, length]), all]);
  return b.op('Pad', [inner, b.op('Concat', [cropBegin, cropEnd], { axis: 0 })], { mode: 'constant' });
}
