/**
 * Gather with constant indices: y = take(x, idx, axis), so dx[…, j, …] = Σ_{k : idx[k] = j} dy[…, k, …] (a
 * scatter-add along the axis). dy is first brought to one index axis of K = |idx| slabs (Unsqueeze for a scalar
 * index, Reshape for a multi-axis one). A contiguous ascending run of indices (a class token, a range) is placed back
 * with Pad. Otherwise the slabs are placed by Gather itself: append one zero slab (Pad), then gather for every
 * position j the slab k with idx[k] = j, or the zero slab; repeated indices take one such Gather per occurrence,
 * summed. Only Pad/Gather/Sum: valid at every opset, no ScatterElements (11) nor its 'add' reduction (16).
 */
import { DataType } from '../onnx/schema.js';
import { normAxis } from './common.js';
import type { VjpContext, VjpRule } from './types.js';

/**
 * Places the K slabs of g along `axis` (rank-`rank` tensor) at `positions` (one target index in 0…size−1 per slab,
 * repeats summed) into an otherwise zero tensor of extent `size` on that axis.
 */
export function placeAlong(ctx: VjpContext, g: string, axis: number, rank: number, positions: number[], size: number): string {
  const k = positions.length;
  const padsAt = (begin: number, end: number) => {
    const pads = Array<number>(2 * rank).fill(0);
    pads[axis] = begin;
    pads[axis + rank] = end;
    return pads;
  };
  if (k === 0) return ctx.b.pad(g, padsAt(0, size));
  if (positions.every((p, i) => p === positions[0] + i)) return ctx.b.pad(g, padsAt(positions[0], size - positions[0] - k));
  const padded = ctx.b.pad(g, padsAt(0, 1)); // slab k is the zero slab
  const rounds: number[][] = [];
  const seen = new Map<number, number>();
  positions.forEach((p, slab) => {
    const r = seen.get(p) ?? 0;
    seen.set(p, r + 1);
    if (!rounds[r]) rounds[r] = Array<number>(size).fill(k);
    rounds[r][p] = slab;
  });
  const parts = rounds.map((inv) => ctx.b.op('Gather', [padded, ctx.b.constant(inv, [size], DataType.INT64)], { axis }));
  return ctx.b.sum(parts);
}

export const gather: VjpRule = {
  opType: 'Gather',
  check: (ctx) => (ctx.constant(ctx.node.inputs[1]) ? undefined : 'indices are not constant (computed at run time)'),
  backward: (ctx) => {
    const [x, indices] = ctx.node.inputs;
    const xs = ctx.shape(x);
    const rank = xs.length;
    const axis = normAxis(ctx.node.int('axis', 0), rank);
    const idx = ctx.constant(indices)!;
    const size = xs[axis];
    const positions = Array.from(idx.values, (v) => (v < 0 ? v + size : v));
    let g = ctx.gy[0]!;
    const q = idx.dims.length;
    if (q === 0) g = ctx.b.unsqueeze(g, [axis]);
    else if (q > 1) {
      // [x[:axis], idx dims…, x[axis+1:]] → [x[:axis], K, x[axis+1:]], the other axes taken at run time.
      const gShape = ctx.shapeOf(g);
      const parts: string[] = [];
      if (axis > 0) parts.push(ctx.b.slice(gShape, [0], [axis], [0]));
      parts.push(ctx.b.int64s([positions.length]));
      if (axis + 1 < rank) parts.push(ctx.b.slice(gShape, [axis + q], [rank - 1 + q], [0]));
      g = ctx.b.op('Reshape', [g, parts.length === 1 ? parts[0] : ctx.b.op('Concat', parts, { axis: 0 })]);
    }
    return [placeAlong(ctx, g, axis, rank, positions, size), null];
  },
};
