/**
 * Pad (constant mode): y = x with pads[a] values before and pads[a+r] after axis a (negative pads crop), so dx is the
 * middle of dy: Slice off the positive pads, and zero-Pad where the forward cropped. Slice bounds are anchored to the
 * ends (start = pad_begin, end = −pad_end), so nothing depends on a measured size. Pads are an attribute before
 * opset 11, a constant input after (with the optional axes input of opset 18); the constant value gets no gradient.
 * reflect/edge/wrap modes are not supported.
 */
import { normAxis } from './common.js';
import type { RuleContext, VjpRule } from './types.js';

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
    return typeof p === 'string' ? p : undefined;
  },
  backward: (ctx) => {
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
