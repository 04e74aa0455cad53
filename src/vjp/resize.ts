/**
 * Resize (opset ≥ 10), modes 'nearest' and 'linear': y = R_H · x · R_Wᵀ over the last two axes, where R_H [H', H]
 * and R_W [W', W] hold the interpolation weights of each output row/column. The map is linear in x, so
 * dx = R_Hᵀ · dy · R_W (two MatMuls with constant matrices built here from the probed sizes: the explain model is
 * compiled per input size, and the batch and channel axes stay free). The interpolation is separable, so a resized
 * axis before those (a volume's depth, trilinear) is one more contraction with its own matrix.
 *
 * The weights follow the ONNX Resize definition: an output coordinate o maps to the input coordinate
 *   half_pixel (o + ½)/s − ½; pytorch_half_pixel the same, 0 when the output length is 1; align_corners
 *   o·(in − 1)/(out − 1); asymmetric o/s,
 * with s the given scale, or out/in when sizes are given. 'linear' clamps the coordinate to [0, in − 1] and mixes
 * ⌊c⌋ and ⌊c⌋ + 1 (torch's upsample_bilinear2d does the same), 'nearest' rounds it by nearest_mode and clamps the
 * index. torch.onnx writes F.interpolate(mode='bilinear', align_corners=False) as linear/half_pixel (or
 * pytorch_half_pixel) and mode='nearest' as nearest/asymmetric/floor.
 */
import type { RuleContext, VjpRule } from './types.js';

const TRANSFORMS = ['half_pixel', 'pytorch_half_pixel', 'align_corners', 'asymmetric'];
const NEAREST = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

/** Scales from the node's constant input (opset ≥ 11: input 2; opset 10: input 1), or undefined when sizes rule. */
function givenScales(ctx: RuleContext): number[] | undefined {
  const inputs = ctx.node.inputs;
  const name = ctx.graph.opset >= 11 ? inputs[2] : inputs[1];
  if (!name) return undefined;
  const c = ctx.constant(name);
  return c && c.values.length > 0 ? Array.from(c.values) : undefined;
}

function whyNot(ctx: RuleContext): string | undefined {
  const n = ctx.node;
  const mode = n.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') return `mode '${mode}' has no gradient rule (nearest and linear do)`;
  const transform = n.string('coordinate_transformation_mode', 'half_pixel');
  if (!TRANSFORMS.includes(transform)) return `coordinate_transformation_mode '${transform}' is not supported`;
  if (mode === 'nearest' && !NEAREST.includes(n.string('nearest_mode', 'round_prefer_floor')))
    return `nearest_mode '${n.string('nearest_mode', '')}' is unknown`;
  if (n.int('antialias', 0) !== 0) return 'antialias is not supported';
  if (n.has('axes')) return 'the axes attribute is not supported';
  const x = ctx.shape(n.inputs[0]);
  const y = ctx.shape(n.outputs[0]);
  if (x.length < 2 || x.length !== y.length) return `input rank ${x.length} is not supported`;
  const scales = givenScales(ctx);
  // The batch stays free in the explain model, so it cannot be resized; every other axis can (volumes: D, H, W).
  if (x.length > 2 && (x[0] !== y[0] || (scales && scales[0] !== 1))) return 'the batch axis may not be resized';
  return undefined;
}

/** The input coordinate of output index o (ONNX's coordinate_transformation_mode). */
function sourceCoordinate(transform: string, o: number, scale: number, inLen: number, outLen: number): number {
  switch (transform) {
    case 'pytorch_half_pixel':
      return outLen > 1 ? (o + 0.5) / scale - 0.5 : 0;
    case 'align_corners':
      return outLen > 1 ? (o * (inLen - 1)) / (outLen - 1) : 0;
    case 'asymmetric':
      return o / scale;
    default:
      return (o + 0.5) / scale - 0.5;
  }
}

function nearestIndex(mode: string, c: number): number {
  switch (mode) {
    case 'floor':
      return Math.floor(c);
    case 'ceil':
      return Math.ceil(c);
    case 'round_prefer_ceil':
      return Math.round(c);
    default:
      // round half down: only an exact .5 goes to the floor
      return c === Math.floor(c) + 0.5 ? Math.floor(c) : Math.round(c);
  }
}

/**
 * The [outLen, inLen] interpolation matrix of one axis, row-major. Coordinates are computed in float32 as
 * onnxruntime does, so that positions at exact half-steps round the same way.
 */
export function interpolationMatrix(
  mode: string,
  transform: string,
  nearestMode: string,
  inLen: number,
  outLen: number,
  scale: number,
): Float64Array {
  const m = new Float64Array(outLen * inLen);
  for (let o = 0; o < outLen; o++) {
    const c = Math.fround(sourceCoordinate(transform, o, Math.fround(scale), inLen, outLen));
    if (mode === 'nearest') {
      const i = Math.min(Math.max(nearestIndex(nearestMode, c), 0), inLen - 1);
      m[o * inLen + i] = 1;
      continue;
    }
    const clamped = Math.min(Math.max(c, 0), inLen - 1);
    const i0 = Math.floor(clamped);
    const i1 = Math.min(i0 + 1, inLen - 1);
    const w1 = clamped - i0;
    m[o * inLen + i0] += 1 - w1;
    m[o * inLen + i1] += w1;
  }
  return m;
}

/** The transpose of a row-major [rows, cols] matrix. */
function transposed(m: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(m.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
  return t;
}

export const resize: VjpRule = {
  opType: 'Resize',
  check: whyNot,
  backward: (ctx) => {
    const n = ctx.node;
    const x = n.inputs[0];
    const xs = ctx.shape(x);
    const ys = ctx.shape(n.outputs[0]);
    const r = xs.length;
    const [hi, wi, ho, wo] = [xs[r - 2], xs[r - 1], ys[r - 2], ys[r - 1]];
    const scales = givenScales(ctx);
    const mode = n.string('mode', 'nearest');
    const transform = n.string('coordinate_transformation_mode', 'half_pixel');
    const nearestMode = n.string('nearest_mode', 'round_prefer_floor');
    const rh = interpolationMatrix(mode, transform, nearestMode, hi, ho, scales ? scales[r - 2] : ho / hi);
    const rw = interpolationMatrix(mode, transform, nearestMode, wi, wo, scales ? scales[r - 1] : wo / wi);
    // dy [.., H', W'] · R_W [W', W] → [.., H', W']; then R_Hᵀ [H, H'] · that → [.., H, W] (MatMul broadcasts).
    const right = ctx.b.op('MatMul', [ctx.gy[0]!, ctx.constantLike(rw, [wo, wi], x)]);
    let gx = ctx.b.op('MatMul', [ctx.constantLike(transposed(rh, ho, hi), [hi, ho], x), right]);
    // Axes before the last two (a volume's depth): the axis moved last, contracted with its R [out, in], moved back.
    for (let a = 1; a < r - 2; a++) {
      const scale = scales ? scales[a] : ys[a] / xs[a];
      if (xs[a] === ys[a] && scale === 1) continue;
      const m = interpolationMatrix(mode, transform, nearestMode, xs[a], ys[a], scale);
      const perm = [...xs.keys()].filter((i) => i !== a).concat(a);
      const last = ctx.b.op('Transpose', [gx], { perm });
      const back = ctx.b.op('MatMul', [last, ctx.constantLike(m, [ys[a], xs[a]], x)]);
      gx = ctx.b.op('Transpose', [back], { perm: perm.map((_, i) => perm.indexOf(i)) });
    }
    return [gx, ...n.inputs.slice(1).map(() => null)];
  },
};
