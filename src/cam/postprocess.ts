/**
 * Post-processing shared by the CAM methods, platform-free, on Float32Arrays of maps [N, h, w] (or volumes
 * [N, d, h, w]): ReLU, per-image min-max normalisation to [0, 1], and bilinear (trilinear) resizing with half-pixel
 * centres (the convention of OpenCV INTER_LINEAR and of torch F.interpolate(align_corners=False)).
 * The final map is finalizeMaps(raw, H, W): ReLU, normalise at the layer's resolution, upsample, normalise again.
 */
import { InvalidInputError } from '../errors.js';
import type { CamMaps } from './types.js';
import { axisTaps, cornerTaps, rowsAlongX } from './taps.js';
import { upsampleNormalized } from './upsample-2d.js';

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
  const data = maps.data.slice();
  const constant: boolean[] = [];
  for (let i = 0; i < n; i++) constant.push(minMaxInPlace(data, i * per, per, eps));
  return { data, dims: [...maps.dims], constant };
}

/**
 * normalizeMinMax of data[base, base + per) written over it; returns whether the map was constant. In place, because
 * the final maps are large: at MobileNetV2's batch 8 ([8, 224, 224]) each new array (allocation and first touch of
 * 1.6 MB) took ~1 ms, against a 39 ms forward pass.
 */
function minMaxInPlace(data: Float32Array, base: number, per: number, eps: number): boolean {
  let min = Infinity;
  let max = -Infinity;
  const end = base + per;
  for (let p = base; p < end; p++) {
    const v = data[p];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = max - min;
  const scale = Math.max(Math.abs(min), Math.abs(max));
  // Written so that NaN or infinite ranges also count as constant.
  const isConstant = !(range > eps * scale) || !Number.isFinite(range);
  if (isConstant) data.fill(0, base, end);
  else for (let p = base; p < end; p++) data[p] = (data[p] - min) / range;
  return isConstant;
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
  const rows = new Float64Array(h * outW);
  for (let i = 0; i < n; i++) {
    rowsAlongX(maps.data, i * h * w, h, w, xs, rows);
    const dst = i * outH * outW;
    for (let oy = 0; oy < outH; oy++) {
      const top = ys.i0[oy] * outW;
      const bottom = ys.i1[oy] * outW;
      const ty = ys.t[oy];
      const o = dst + oy * outW;
      for (let ox = 0; ox < outW; ox++) data[o + ox] = rows[top + ox] * (1 - ty) + rows[bottom + ox] * ty;
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
  const final = same
    ? normalizeMaps(layer, applyRelu)
    : out.length === 2 && layer.dims.length === 3
      ? upsampleNormalized(layer, out[0], out[1], applyRelu, CONSTANT_MAP_EPS)
      : normalizeMapsInPlace(resizeLinear(layer, out), applyRelu); // new arrays: normalised where they are
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
  const data = maps.data.slice();
  const constant: boolean[] = [];
  for (let i = 0; i < n; i++) constant.push(signedInPlace(data, i * per, per));
  return { data, dims: [...maps.dims], constant };
}

/** normalizeSigned of data[base, base + per) written over it; returns whether the map was constant. */
function signedInPlace(data: Float32Array, base: number, per: number): boolean {
  const end = base + per;
  let m = 0;
  for (let p = base; p < end; p++) m = Math.max(m, Math.abs(data[p]));
  const isConstant = !(m > 0) || !Number.isFinite(m);
  if (isConstant) data.fill(0, base, end);
  else for (let p = base; p < end; p++) data[p] = data[p] / m;
  return isConstant;
}

/** ReLU + min-max (the usual order), or the signed scaling when relu is off. */
export function normalizeMaps(maps: CamMaps, applyRelu: boolean): NormalizedMaps {
  return normalizeMapsInPlace({ data: maps.data.slice(), dims: [...maps.dims] }, applyRelu);
}

/** normalizeMaps written over the maps' own data (which the caller no longer needs): no copy. */
function normalizeMapsInPlace(maps: CamMaps, applyRelu: boolean): NormalizedMaps {
  const { n, per } = batchLayout(maps);
  const { data } = maps;
  const constant: boolean[] = [];
  if (applyRelu) for (let p = 0; p < data.length; p++) if (!(data[p] > 0)) data[p] = 0;
  for (let i = 0; i < n; i++)
    constant.push(applyRelu ? minMaxInPlace(data, i * per, per, CONSTANT_MAP_EPS) : signedInPlace(data, i * per, per));
  return { data, dims: maps.dims, constant };
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
