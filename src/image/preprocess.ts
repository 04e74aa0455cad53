/**
 * Preprocessing as models were trained: resize (stretch, shorter-side + centre crop, or letterbox), channel order,
 * value range, mean/std. The geometry is kept so a map at the model's input resolution can be carried back onto the
 * original photo (mapToOriginal). Images with more than 8 bits (./samples.ts) and images given an intensity preset
 * go through the same steps in floating point, never rounded to 8 bits.
 */
import type { RawImage } from './raw.js';
import { InvalidInputError, InvalidOptionError } from '../errors.js';
import { MAX_ASPECT_RATIO, MAX_INPUT_PIXELS, MAX_RESIZED_SIDE } from '../limits.js';
import { resizeBilinearAntialiased } from './resize.js';
import { resizeSamples } from './resize-samples.js';
import { isSampleImage, samplesOf, type SampleImage } from './samples.js';
import { applyIntensity, invertIntensity, type IntensitySpec } from '../volume/intensity.js';

export type ResizeMode = 'stretch' | 'crop' | 'letterbox';

export interface PreprocessSpec {
  /** Model input height and width. */
  size: [number, number];
  resize: ResizeMode;
  /** For 'crop': the shorter side is first resized to this (ImageNet: 256 for a 224 crop). Default: the crop size. */
  resizeShorter?: number;
  channelOrder: 'RGB' | 'BGR';
  /** Pixel values are first scaled to [0, range] (1 or 255). */
  range: 1 | 255;
  mean: number[];
  std: number[];
  /** Most pixels (width × height) an image may have; default MAX_INPUT_PIXELS (268 402 689, sharp's default). */
  maxInputPixels?: number;
}

export const PRESETS = ['imagenet', 'caffe'] as const;
export type PresetName = (typeof PRESETS)[number];

/** A named preset at a given input size (default 224). ImageNet: RGB, shorter side 256/224·size, centre crop, /255, mean/std. */
export function preset(name: string, size: [number, number] = [224, 224], channels = 3): PreprocessSpec {
  const pick = (v: number[]) => (channels === 1 ? [v.reduce((a, b) => a + b, 0) / v.length] : v);
  switch (name) {
    case 'imagenet':
      return {
        size,
        resize: 'crop',
        resizeShorter: Math.round((Math.min(...size) * 256) / 224),
        channelOrder: 'RGB',
        range: 1,
        mean: pick([0.485, 0.456, 0.406]),
        std: pick([0.229, 0.224, 0.225]),
      };
    case 'caffe':
      return { size, resize: 'stretch', channelOrder: 'BGR', range: 255, mean: pick([0, 0, 0]), std: pick([1, 1, 1]) };
    default:
      throw new InvalidInputError(
        `Unknown preprocessing preset '${name}'; choose one of ${PRESETS.join(', ')}, 'none', or a custom spec.`,
      );
  }
}

/** Where the resized image lands in the model input. */
export interface Geometry {
  original: [number, number]; // width, height
  resized: [number, number]; // width, height of the resized photo
  /** Offset of the model input's origin in the resized photo (crop: positive; letterbox: negative). */
  offset: [number, number];
  input: [number, number]; // width, height of the model input
}

/** Python's round() on a multiple of 0.5: halves go to the even neighbour (round(0.5) = 0, round(1.5) = 2). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's CenterCrop on one axis of `size` pixels cut to `crop`: the offset of the crop in the image. A crop
 * larger than the image pads it with zeros first, (crop − size) // 2 before; otherwise the offset is
 * int(round((size − crop) / 2.0)) with Python's round-half-to-even (torchvision.transforms.functional.center_crop).
 */
function centreCropOffset(size: number, crop: number): number {
  return crop > size ? -Math.floor((crop - size) / 2) : roundHalfEven((size - crop) / 2);
}

/**
 * Where the photo goes in the model input.
 * - 'stretch': resized to the input size (PIL `resize((w, h), BILINEAR)`, the caffe preset).
 * - 'crop': torchvision's `Resize(shorter)` then `CenterCrop((h, w))`. Resize with an int sets the shorter side to
 *   `shorter` and the longer to int(shorter · long / short), truncated (torchvision's _compute_resized_output_size).
 * - 'letterbox': the whole photo scaled to fit (rounded sizes), centred, borders filled with the mean.
 */
export function planGeometry(width: number, height: number, spec: PreprocessSpec): Geometry {
  const [h, w] = spec.size;
  if (spec.resize === 'stretch') return { original: [width, height], resized: [w, h], offset: [0, 0], input: [w, h] };
  if (spec.resize === 'crop') {
    const shorter = spec.resizeShorter ?? Math.max(h, w);
    // Same double arithmetic as Python's int(size * long / short): an exact product, one rounded division, truncation.
    const longer = (long: number, short: number) => Math.trunc((shorter * long) / short);
    const [rw, rh] = width <= height ? [shorter, longer(height, width)] : [longer(width, height), shorter];
    return {
      original: [width, height],
      resized: [rw, rh],
      offset: [centreCropOffset(rw, w), centreCropOffset(rh, h)],
      input: [w, h],
    };
  }
  const s = Math.min(w / width, h / height);
  const rw = Math.max(1, Math.round(width * s));
  const rh = Math.max(1, Math.round(height * s));
  return {
    original: [width, height],
    resized: [rw, rh],
    offset: [-Math.floor((w - rw) / 2), -Math.floor((h - rh) / 2)],
    input: [w, h],
  };
}

/**
 * The model input [C, H, W] from the photo already resized to geometry.resized. Letterbox borders get the mean (0
 * after normalisation); a centre crop larger than the resized photo pads with pixel value 0, as torchvision's
 * CenterCrop.
 */
export function toTensor(resized: RawImage, g: Geometry, spec: PreprocessSpec, channels: number): Float32Array {
  return tensorOf(resized, resized.data, g, spec, channels, spec.range === 1 ? 255 : 1);
}

/**
 * toTensor on any samples: each value is divided by `divisor` (255 or 1 for 8-bit images, 65535 or 257 for 16-bit
 * ones; 1 when an intensity preset has made the values already), then mean and std apply.
 */
function tensorOf(
  resized: { width: number; height: number; channels: number },
  src: ArrayLike<number>,
  g: Geometry,
  spec: PreprocessSpec,
  channels: number,
  divisor: number,
): Float32Array {
  const [w, h] = g.input;
  if (resized.width !== g.resized[0] || resized.height !== g.resized[1])
    throw new Error('gcam internal: image not resized to plan');
  if (channels !== 1 && channels !== 3)
    throw new InvalidInputError(
      `The model takes ${channels}-channel input; image presets give 1 (gray) or 3 (RGB/BGR) channels.`,
    );
  if (spec.mean.length !== channels || spec.std.length !== channels)
    throw new InvalidInputError(
      `The preprocessing has ${spec.mean.length} mean and ${spec.std.length} std values but the model takes ${channels} channels.`,
    );
  const out = new Float32Array(channels * h * w);
  // In float32 steps as torchvision (ToTensor: x = v / 255, a division; Normalize: (x − mean) / std with float32
  // mean and std), so the tensor is torchvision's bit for bit, not merely within 1e-7 of it. A double division
  // rounded to float32 is the float32 division (53 ≥ 2·24 + 2 bits: double rounding is innocuous).
  const f32 = Math.fround;
  const mean = spec.mean.map(f32);
  const std = spec.std.map(f32);
  const sc = resized.channels;
  for (let y = 0; y < h; y++) {
    const ry = y + g.offset[1];
    for (let x = 0; x < w; x++) {
      const rx = x + g.offset[0];
      const inside = rx >= 0 && ry >= 0 && rx < resized.width && ry < resized.height;
      const p = (ry * resized.width + rx) * sc;
      for (let c = 0; c < channels; c++) {
        const o = (c * h + y) * w + x;
        // Letterbox borders are the mean, i.e. 0 once normalised; a crop's padding is pixel value 0 (torchvision).
        if (!inside && spec.resize === 'letterbox') {
          out[o] = 0;
          continue;
        }
        let v: number;
        if (!inside) v = 0;
        else if (channels === 1) v = sc >= 3 ? 0.299 * src[p] + 0.587 * src[p + 1] + 0.114 * src[p + 2] : src[p];
        else {
          const k = spec.channelOrder === 'BGR' ? 2 - c : c;
          v = src[p + (sc >= 3 ? k : 0)];
        }
        const scaled = divisor === 1 ? v : f32(v / divisor);
        out[o] = f32(scaled - mean[c]) / std[c]; // stored as float32: the division's rounding
      }
    }
  }
  return out;
}

/**
 * The model input for a decoded photo, platform-free: plans the geometry (planGeometry), resizes with PIL's
 * antialiased BILINEAR (resizeBilinearAntialiased) and builds the tensor (toTensor). With the 'imagenet' preset this
 * is torchvision's Resize(256), CenterCrop(224), ToTensor(), Normalize(mean, std) on a PIL RGB image; with 'caffe',
 * PIL resize((224, 224), BILINEAR), BGR, 0–255.
 *
 * A SampleImage (16-bit PNG/TIFF, DICOM) is resized as PIL resizes float images (resizeSamples) and divided by its
 * full scale (65535) where 8-bit images are divided by 255. With `intensity`, the preset is applied to the image's
 * own values first (over the whole image, every channel together, as for volumes; MONOCHROME1 inverted after it),
 * and its output is the value step: no division, and the spec's mean/std (the plan makes them 0 and 1 unless given).
 *
 * Only the part of the resized photo that the model input shows is computed (the crop of a 'crop' resize), so the
 * cost is bounded by the model input and the photo, never by the resize: the limits are checked first (checkImage).
 */
export function prepareImage(
  raw: RawImage | SampleImage,
  spec: PreprocessSpec,
  channels: number,
  intensity?: IntensitySpec,
): { tensor: Float32Array; geometry: Geometry } {
  checkImage(raw, spec);
  const geometry = planGeometry(raw.width, raw.height, spec);
  const [rw, rh] = geometry.resized;
  if (Math.max(rw, rh) > MAX_RESIZED_SIDE)
    throw new InvalidOptionError(
      'resizeShorter',
      `${spec.resizeShorter} resizes ${imageName(raw)} to ${rw}×${rh}, over ${MAX_RESIZED_SIDE} pixels a side (what PIL can hold); use a smaller resizeShorter.`,
    );
  // The resized photo's pixels inside the model input: the crop, or all of it for a letterbox (negative offsets).
  const [ox, oy] = geometry.offset;
  const [iw, ih] = geometry.input;
  const x = Math.max(0, ox);
  const y = Math.max(0, oy);
  const window = { x, y, width: Math.min(rw, ox + iw) - x, height: Math.min(rh, oy + ih) - y };
  // toTensor reads the window as the whole resized photo, with the offsets moved to its corner.
  const inWindow: Geometry = { ...geometry, resized: [window.width, window.height], offset: [ox - x, oy - y] };
  if (!intensity && !isSampleImage(raw))
    return { tensor: toTensor(resizeBilinearAntialiased(raw, rw, rh, window), inWindow, spec, channels), geometry };
  const values = valuesOf(raw, intensity);
  const shown = resizeSamples(values, rw, rh, window);
  const divisor = intensity ? 1 : values.fullScale! / spec.range;
  return { tensor: tensorOf(shown, shown.samples, inWindow, spec, channels, divisor), geometry };
}

/**
 * The values an image enters the resize with: the intensity preset's output (MONOCHROME1 inverted after it), or its
 * stored values (MONOCHROME1 inverted within its full scale). Values without a full scale (DICOM) need a preset.
 */
function valuesOf(raw: RawImage | SampleImage, intensity: IntensitySpec | undefined): SampleImage {
  const img = isSampleImage(raw) ? raw : samplesOf(raw);
  if (intensity) {
    const values = img.samples instanceof Float32Array ? img.samples : Float32Array.from(img.samples);
    const out = applyIntensity(values, intensity);
    return { ...img, samples: img.inverted ? invertIntensity(out, intensity) : out };
  }
  const full = img.fullScale;
  if (full === undefined)
    throw new InvalidOptionError(
      'intensity',
      `is needed for ${imageName(img)}: its values (a DICOM's modality values, HU for CT) have no fixed full scale. ` +
        `Choose how they become model inputs: ct:L,W, percentile:LO,HI, range:A,B, zscore or none (e.g. 'ct:40,400').`,
    );
  return img.inverted ? { ...img, samples: Float32Array.from(img.samples, (v) => full - v) } : img;
}

/** How messages name the image: its file name when it has one. */
const imageName = (raw: { name?: string }, start = false) =>
  raw.name ? `${start ? 'I' : 'i'}mage '${raw.name}'` : `${start ? 'T' : 't'}he image`;

/** The photo is within the pixel and aspect-ratio limits (src/limits.ts), and the spec's own limit is valid. */
function checkImage(raw: RawImage | SampleImage, spec: PreprocessSpec): void {
  const max = spec.maxInputPixels ?? MAX_INPUT_PIXELS;
  if (!(Number.isInteger(max) && max >= 1))
    throw new InvalidOptionError('maxInputPixels', `must be a positive integer (pixels); got ${spec.maxInputPixels}.`);
  if (
    spec.resize === 'crop' &&
    spec.resizeShorter !== undefined &&
    !(Number.isInteger(spec.resizeShorter) && spec.resizeShorter >= 1)
  )
    throw new InvalidOptionError('resizeShorter', `must be a positive integer (pixels); got ${spec.resizeShorter}.`);
  const { width, height } = raw;
  if (width * height > max)
    throw new InvalidInputError(
      `${imageName(raw, true)} has ${width}×${height} = ${width * height} pixels, over the limit of ${max}; downscale it first, or raise the preprocessing's maxInputPixels if you trust it.`,
    );
  // A zero or fractional side is the resizer's to report (as a malformed image), not a ratio.
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (Math.min(width, height) >= 1 && ratio > MAX_ASPECT_RATIO)
    throw new InvalidInputError(
      `${imageName(raw, true)} is ${width}×${height}: one side is ${Math.round(ratio)} times the other, over the limit of ${MAX_ASPECT_RATIO}; crop or pad it to a less extreme shape.`,
    );
}

/**
 * Carries a map at the model's input resolution back onto the original photo: each photo pixel centre is mapped into
 * input coordinates and the map sampled bilinearly (half-pixel centres). Photo pixels cut off by a centre crop get 0.
 */
export function mapToOriginal(map: Float32Array, g: Geometry): Float32Array {
  const [ow, oh] = g.original;
  const [iw, ih] = g.input;
  const xs = carryTaps(ow, g.resized[0] / ow, g.offset[0], iw);
  const ys = carryTaps(oh, g.resized[1] / oh, g.offset[1], ih);
  const out = new Float32Array(ow * oh);
  for (let y = 0; y < oh; y++) {
    if (!ys.inside[y]) continue;
    const r0 = ys.i0[y] * iw;
    const r1 = ys.i1[y] * iw;
    const wy = ys.t[y];
    for (let x = 0; x < ow; x++) {
      if (!xs.inside[x]) continue;
      const x0 = xs.i0[x];
      const x1 = xs.i1[x];
      const wx = xs.t[x];
      const top = map[r0 + x0] * (1 - wx) + map[r0 + x1] * wx;
      const bottom = map[r1 + x0] * (1 - wx) + map[r1 + x1] * wx;
      out[y * ow + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/**
 * Along one axis of the photo: where each pixel centre lands in the model input ((o + 0.5)·scale − offset − 0.5),
 * whether it lands inside it, and its two input neighbours and weight (clamped at the borders).
 */
function carryTaps(
  outSize: number,
  scale: number,
  offset: number,
  inSize: number,
): { i0: Int32Array; i1: Int32Array; t: Float64Array; inside: Uint8Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const inside = new Uint8Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const f = (o + 0.5) * scale - offset - 0.5;
    if (f < -0.5 || f > inSize - 0.5) continue;
    inside[o] = 1;
    const c = Math.min(Math.max(f, 0), inSize - 1);
    i0[o] = Math.floor(c);
    i1[o] = Math.min(i0[o] + 1, inSize - 1);
    t[o] = c - i0[o];
  }
  return { i0, i1, t, inside };
}
