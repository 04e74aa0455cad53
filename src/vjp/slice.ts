/**
 * Slice: y = x[start:end:step] along some axes, so dx is zero except at the selected positions, which receive dy.
 * Bounds follow ONNX: negative starts/ends count from the end, then are clamped ([0, d] for a positive step, [0, d−1]
 * and [−1, d−1] for a negative one), so huge ends (INT64_MAX) mean "to the end". Positions are resolved here from
 * the measured sizes of the sliced axes. Step 1 places dy back with one Pad; other steps (negative included) with
 * Gather from dy plus a zero slab (see gather.ts). Bounds are attributes before opset 10 and inputs after.
 *
 * Bounds computed at run time (PyTorch exports `x.chunk(3, -1)` with ends from Shape(x), e.g. torchvision's
 * nn.MultiheadAttention in-projection) are handled for step 1 with constant axes: the same ONNX clamping is written
 * with Where/Less/Greater on the int64 bounds, and dy is zero-padded by begin and d − begin − len on each axis, where
 * d = Shape(x)[axis] and len = Shape(dy)[axis] (Pad with a pads input: opset ≥ 11).
 */
import { DataType } from '../onnx/schema.js';
import { normAxis } from './common.js';
import { placeAlong } from './gather.js';
import type { RuleContext, VjpContext, VjpRule } from './types.js';

interface SliceSpec {
  starts: number[];
  ends: number[];
  axes: number[];
  steps: number[];
}

function spec(ctx: RuleContext): SliceSpec | string {
  const n = ctx.node;
  const rank = ctx.shape(n.inputs[0]).length;
  let starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined;
  if (n.has('starts')) {
    starts = n.ints('starts')!;
    ends = n.ints('ends') ?? [];
    axes = n.ints('axes');
  } else {
    const read = (i: number): number[] | undefined | null => {
      const t = n.inputs[i];
      if (!t) return undefined;
      const c = ctx.constant(t);
      return c ? Array.from(c.values) : null;
    };
    const [s, e, a, st] = [1, 2, 3, 4].map(read);
    if (!s || !e || a === null || st === null) return 'starts/ends/axes/steps are not constant (computed at run time)';
    [starts, ends, axes, steps] = [s, e, a, st];
  }
  axes = (axes ?? starts.map((_, i) => i)).map((a) => normAxis(a, rank));
  return { starts, ends, axes, steps: steps ?? starts.map(() => 1) };
}

/** The positions selected on an axis of size d, in output order. */
function positions(d: number, start: number, end: number, step: number): number[] {
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  if (start < 0) start += d;
  if (end < 0) end += d;
  start = step > 0 ? clamp(start, 0, d) : clamp(start, 0, d - 1);
  end = step > 0 ? clamp(end, 0, d) : clamp(end, -1, d - 1);
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
}

export const slice: VjpRule = {
  opType: 'Slice',
  check: (ctx) => {
    const s = spec(ctx);
    if (typeof s === 'string') {
      const r = runtimeAxes(ctx);
      return typeof r === 'string' ? `${s} and ${r}` : undefined;
    }
    return s.steps.some((v) => v === 0) ? 'a step is 0' : undefined;
  },
  backward: (ctx) => {
    if (typeof spec(ctx) === 'string') return ctx.node.inputs.map((_, i) => (i === 0 ? runtimeBackward(ctx) : null));
    const x = ctx.node.inputs[0];
    const xs = ctx.shape(x);
    const rank = xs.length;
    const s = spec(ctx) as SliceSpec;
    let g = ctx.gy[0]!;
    const pads = Array<number>(2 * rank).fill(0);
    s.axes.forEach((axis, i) => {
      const d = xs[axis];
      const pos = positions(d, s.starts[i], s.ends[i], s.steps[i]);
      if (s.steps[i] === 1 && pos.length > 0) {
        pads[axis] = pos[0];
        pads[axis + rank] = d - pos[pos.length - 1] - 1;
      } else g = placeAlong(ctx, g, axis, rank, pos, d);
    });
    return ctx.node.inputs.map((_, i) => (i === 0 ? ctx.b.pad(g, pads) : null));
  },
};

/** Sliced axes when the bounds are run-time tensors: needs constant axes, steps all 1, opset ≥ 11; else why not. */
function runtimeAxes(ctx: RuleContext): number[] | string {
  const n = ctx.node;
  const rank = ctx.shape(n.inputs[0]).length;
  if (ctx.opset < 11) return 'run-time bounds need opset >= 11';
  const stepsIn = n.inputs[4] ? ctx.constant(n.inputs[4]) : undefined;
  if (n.inputs[4] && (!stepsIn || Array.from(stepsIn.values).some((v) => v !== 1)))
    return 'run-time bounds are supported with steps of 1 only';
  const axesIn = n.inputs[3] ? ctx.constant(n.inputs[3]) : undefined;
  if (n.inputs[3] && !axesIn) return 'the axes are computed at run time';
  const k = ctx.shape(n.inputs[1])[0];
  return axesIn ? Array.from(axesIn.values, (a) => normAxis(a, rank)) : Array.from({ length: k }, (_, i) => i);
}

/**
 * dx for run-time bounds (step 1): per sliced axis, begin = clamp(start < 0 ? start + d : start, 0, d) as ONNX
 * resolves it, then dy zero-padded by [begin, d − begin − len]. All values are int64 tensors of one element.
 */
function runtimeBackward(ctx: VjpContext): string {
  const b = ctx.b;
  const [x, startsIn] = ctx.node.inputs;
  const g = ctx.gy[0]!;
  const rank = ctx.shape(x).length;
  const axes = runtimeAxes(ctx) as number[];
  const starts = ctx.elemType(startsIn) === DataType.INT64 ? startsIn : b.cast(startsIn, DataType.INT64);
  const zero = b.int64s([0]);
  const begins = Array<string>(rank).fill(zero);
  const endPads = Array<string>(rank).fill(zero);
  axes.forEach((axis, i) => {
    const d = b.slice(ctx.shapeOf(x), [axis], [axis + 1], [0]);
    const len = b.slice(ctx.shapeOf(g), [axis], [axis + 1], [0]);
    const s = b.slice(starts, [i], [i + 1], [0]);
    const wrapped = b.op('Where', [b.op('Less', [s, zero]), b.op('Add', [s, d]), s]);
    const low = b.op('Where', [b.op('Less', [wrapped, zero]), zero, wrapped]);
    const begin = b.op('Where', [b.op('Greater', [low, d]), d, low]);
    begins[axis] = begin;
    endPads[axis] = b.op('Sub', [b.op('Sub', [d, begin]), len]);
  });
  const pads = b.op('Concat', [...begins, ...endPads], { axis: 0 });
  return b.op('Pad', [g, pads], { mode: 'constant' });
}
