/**
 * Post-processing shared by the CAM methods, platform-free, on Float32Arrays of maps [N, h, w] (or volumes
 * [N, d, h, w]): ReLU, per-image min-max normalisation to [0, 1], and bilinear (trilinear) resizing with half-pixel
 * centres (the convention of OpenCV INTER_LINEAR and of torch F.interpolate(align_corners=False)).
 * The final map is finalizeMaps(raw, H, W): ReLU, normalise at the layer's resolution, upsample, normalise again.
 */
import { InvalidInputError } from '../errors.js';
import type { CamMaps } from './types.js';

export interface NormalizedMaps extends CamMaps {
  /** Per image: true when the map was constant (max − min too small to normalise); its map is then all zeros. */
  constant: boolean[];
}

/** Default relative tolerance of normalizeMinMax: a map whose range is ≤ eps·max|value| counts as constant. */
export const CONSTANT_MAP_EPS = 1e-6;

/** max(0, x) elementwise; returns new maps. */
export function relu(maps: CamMaps): CamMaps {
  const data = new Float32Array(maps.data.length);
  for (let i = 0; i < data.length; i++) {
    const v = maps.data[i];
    data[i] = v > 0 ? v : 0;
  }
  return { data, dims: [...maps.dims] };
}

/**
 * Per-image min-max normalisation to [0, 1]: (x − min) / (max − min), per image n of maps [N, ...].
 * A map is constant when max − min ≤ eps · max(|min|, |max|) (a relative test, so that maps of tiny but genuine
 * scale, e.g. from saturated probabilities, are still normalised, while float32 noise on a flat map is not blown up);
 * an all-zero map is constant too. A constant map becomes all zeros with constant[n] = true: never NaN.
 */
export function normalizeMinMax(maps: CamMaps, eps = CONSTANT_MAP_EPS): NormalizedMaps {
  const { n, per } = batchLayout(maps);
  const data = new Float32Array(maps.data.length);
  const constant: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * per;
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < per; p++) {
      const v = maps.data[base + p];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const range = max - min;
    const scale = Math.max(Math.abs(min), Math.abs(max));
    // Written so that NaN or infinite ranges also count as constant.
    const isConstant = !(range > eps * scale) || !Number.isFinite(range);
    constant.push(isConstant);
    if (isConstant) continue; // data is already zero-filled
    for (let p = 0; p < per; p++) data[base + p] = (maps.data[base + p] - min) / range;
  }
  return { data, dims: [...maps.dims], constant };
}

/**
 * Source taps with corners aligned (torch align_corners=True, nn.UpsamplingBilinear2d): output o samples the input at
 * o·(in − 1)/(out − 1). Only Score-CAM's masks use it (see methods/scorecam.ts); maps use half-pixel centres.
 */
export function cornerTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const scale = outSize > 1 ? (inSize - 1) / (outSize - 1) : 0;
  for (let o = 0; o < outSize; o++) {
    const src = o * scale;
    const lo = Math.min(Math.floor(src), inSize - 1);
    const hi = lo < inSize - 1 ? lo + 1 : lo;
    i0[o] = lo;
    i1[o] = hi;
    t[o] = hi === lo ? 0 : src - lo;
  }
  return { i0, i1, t };
}

/** Source index and weight along one axis, half-pixel centres, clamped at both borders (as torch and OpenCV do). */
function axisTaps(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    let src = (o + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    let lo = Math.floor(src);
    if (lo > inSize - 1) lo = inSize - 1;
    const hi = lo < inSize - 1 ? lo + 1 : lo;
    i0[o] = lo;
    i1[o] = hi;
    t[o] = hi === lo ? 0 : src - lo;
  }
  return { i0, i1, t };
}

/**
 * Bilinear resize of maps [N, h, w] to [N, outH, outW] with half-pixel centres: output pixel o samples the input at
 * (o + 0.5)·in/out − 0.5, clamped to the border. Up- and down-scaling, any aspect ratio; no antialiasing (like
 * cv2.resize INTER_LINEAR and torch F.interpolate(mode='bilinear', align_corners=False, antialias=False)).
 */
export function resizeBilinear(maps: CamMaps, outH: number, outW: number, alignCorners = false): CamMaps {
  if (maps.dims.length !== 3) throw new InvalidInputError(`resizeBilinear takes maps [N, h, w]; got [${maps.dims.join(', ')}].`);
  const [n, h, w] = maps.dims;
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0))
    throw new InvalidInputError(`The output size must be positive integers; got ${outH}×${outW}.`);
  if (h <= 0 || w <= 0) throw new InvalidInputError(`Cannot resize empty maps [${maps.dims.join(', ')}].`);
  checkLength(maps);
  const taps = alignCorners ? cornerTaps : axisTaps;
  const ys = taps(h, outH);
  const xs = taps(w, outW);
  const data = new Float32Array(n * outH * outW);
  for (let i = 0; i < n; i++) {
    const src = i * h * w;
    const dst = i * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = src + ys.i0[oy] * w;
      const r1 = src + ys.i1[oy] * w;
      const ty = ys.t[oy];
      for (let ox = 0; ox < outW; ox++) {
        const x0 = xs.i0[ox];
        const x1 = xs.i1[ox];
        const tx = xs.t[ox];
        const top = maps.data[r0 + x0] * (1 - tx) + maps.data[r0 + x1] * tx;
        const bottom = maps.data[r1 + x0] * (1 - tx) + maps.data[r1 + x1] * tx;
        data[dst + oy * outW + ox] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return { data, dims: [n, outH, outW] };
}

/**
 * Multilinear resize of maps [N, ...spatial] (any number of spatial axes) to [N, ...out], one axis at a time with the
 * taps of resizeBilinear along each: half-pixel centres clamped at the borders, or corners aligned. Linear
 * interpolation is separable, so the passes give the tensor-product weights of torch F.interpolate(mode='linear' |
 * 'bilinear' | 'trilinear') exactly; intermediate passes are kept in float64.
 */
export function resizeLinear(maps: CamMaps, out: readonly number[], alignCorners = false): CamMaps {
  const [n, ...spatial] = maps.dims;
  if (spatial.length !== out.length || spatial.length === 0)
    throw new InvalidInputError(`resizeLinear takes maps [N, ...${out.length} axes]; got [${maps.dims.join(', ')}].`);
  if (!out.every((o) => Number.isInteger(o) && o > 0))
    throw new InvalidInputError(`The output size must be positive integers; got ${out.join('×')}.`);
  if (spatial.some((s) => s <= 0)) throw new InvalidInputError(`Cannot resize empty maps [${maps.dims.join(', ')}].`);
  checkLength(maps);
  if (spatial.length === 2) return resizeBilinear(maps, out[0], out[1], alignCorners);
  const taps = alignCorners ? cornerTaps : axisTaps;
  let cur: Float64Array = Float64Array.from(maps.data);
  const shape = [n, ...spatial];
  for (let axis = 1; axis < shape.length; axis++) {
    const size = shape[axis];
    const target = out[axis - 1];
    if (size === target) continue;
    const t = taps(size, target);
    // Blocks before the axis × the axis × the contiguous run after it.
    const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    const next = new Float64Array(outer * target * inner);
    for (let o = 0; o < outer; o++)
      for (let q = 0; q < target; q++) {
        const a = (o * size + t.i0[q]) * inner;
        const b = (o * size + t.i1[q]) * inner;
        const w = t.t[q];
        const dst = (o * target + q) * inner;
        for (let r = 0; r < inner; r++) next[dst + r] = cur[a + r] * (1 - w) + cur[b + r] * w;
      }
    cur = next;
    shape[axis] = target;
  }
  return { data: Float32Array.from(cur), dims: [n, ...out] };
}

export interface FinalMaps extends NormalizedMaps {
  /** The same maps at the layer's resolution: after ReLU (unless signed) and normalisation, before upsampling. */
  layer: NormalizedMaps;
}

/**
 * The final maps, in pytorch-grad-cam's order: ReLU (unless signed), per-image normalisation at the layer's resolution,
 * half-pixel bilinear upsample to outH×outW, then normalisation again, so every non-constant final map spans exactly
 * [0, 1] ([-1, 1] by max |value| when signed); the upsample alone would leave peaks below 1 wherever the layer's
 * extreme falls between output pixel centres. constant[n]: the map had no signal at the layer (or after upsampling).
 */
export function finalizeMaps(raw: CamMaps, outH: number, outW: number, applyRelu = true): FinalMaps {
  return finalizeMapsTo(raw, [outH, outW], applyRelu);
}

/**
 * finalizeMaps for maps with any number of spatial axes: volumes [N, d, h, w] are upsampled trilinearly with
 * half-pixel centres (torch interpolate(mode='trilinear', align_corners=False)) to [N, ...out].
 */
export function finalizeMapsTo(raw: CamMaps, out: readonly number[], applyRelu = true): FinalMaps {
  const layer = normalizeMaps(raw, applyRelu);
  const same = layer.dims.length === out.length + 1 && out.every((o, i) => o === layer.dims[i + 1]);
  const upsampled = same ? layer : resizeLinear(layer, out);
  const final = normalizeMaps(upsampled, applyRelu);
  return { ...final, constant: final.constant.map((c, i) => c || layer.constant[i]), layer };
}

function batchLayout(maps: CamMaps): { n: number; per: number } {
  if (maps.dims.length < 1) throw new InvalidInputError('Maps need a batch dimension.');
  checkLength(maps);
  const [n, ...rest] = maps.dims;
  return { n, per: rest.reduce((a, b) => a * b, 1) };
}

function checkLength(maps: CamMaps): void {
  const expected = maps.dims.reduce((a, b) => a * b, 1);
  if (maps.data.length !== expected)
    throw new InvalidInputError(`Maps hold ${maps.data.length} values; dims [${maps.dims.join(', ')}] need ${expected}.`);
}

/**
 * Signed maps (relu off): per image scaled by max |value| to [-1, 1], so zero stays zero and the sign of the evidence
 * is kept. An all-zero (or non-finite) map is constant: zeros, flagged.
 */
export function normalizeSigned(maps: CamMaps): NormalizedMaps {
  const { n, per } = batchLayout(maps);
  const data = new Float32Array(maps.data.length);
  const constant: boolean[] = [];
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let p = 0; p < per; p++) m = Math.max(m, Math.abs(maps.data[i * per + p]));
    const isConstant = !(m > 0) || !Number.isFinite(m);
    constant.push(isConstant);
    if (!isConstant) for (let p = 0; p < per; p++) data[i * per + p] = maps.data[i * per + p] / m;
  }
  return { data, dims: [...maps.dims], constant };
}

/** ReLU + min-max (the usual order), or the signed scaling when relu is off. */
export function normalizeMaps(maps: CamMaps, applyRelu: boolean): NormalizedMaps {
  return applyRelu ? normalizeMinMax(relu(maps)) : normalizeSigned(maps);
}

/**
 * The per-image mean of several sets of final maps [N, ...] (several layers, or augmented copies). `normalise`: the
 * mean normalised again ('relu': min-max, 'signed': by max |value|), as multi-layer aggregation does; false: the mean
 * as it is, as pytorch-grad-cam's aug-smooth returns it. constant[n]: image n's mean has no signal.
 */
export function averageMaps(sets: readonly CamMaps[], normalise: 'relu' | 'signed' | false): NormalizedMaps {
  const { n, per } = batchLayout(sets[0]);
  const sum = new Float32Array(n * per);
  for (const m of sets) {
    checkLength(m);
    if (m.data.length !== sum.length)
      throw new InvalidInputError(`Maps to average differ in size: [${m.dims.join(', ')}] vs [${sets[0].dims.join(', ')}].`);
    for (let i = 0; i < sum.length; i++) sum[i] += m.data[i] / sets.length;
  }
  const mean = { data: sum, dims: [...sets[0].dims] };
  if (normalise) return normalizeMaps(mean, normalise === 'relu');
  const constant = Array.from({ length: n }, (_, i) => sum.subarray(i * per, (i + 1) * per).every((v) => v === 0));
  return { ...mean, constant };
}
