/**
 * Images whose samples do not fit 8 bits: 16-bit PNG and TIFF files, and DICOM frames (modality values such as
 * Hounsfield units). They reach the model input without being rounded to 8 bits (image/preprocess.ts), and are shown
 * through a window as an 8-bit image (displayImage) only for overlays.
 */
import type { RawImage } from './raw.js';
import { InvalidInputError } from '../errors.js';

export interface SampleImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB); alpha is dropped when decoding. */
  channels: 1 | 3;
  /**
   * Interleaved, row-major: the stored values (a 16-bit PNG or TIFF: 0…65535, kept in 2 bytes each) or a DICOM
   * frame's modality values (RescaleSlope and RescaleIntercept applied: Hounsfield units for CT).
   */
  samples: Float32Array | Uint16Array;
  /**
   * The value full intensity is stored as (65535 for 16-bit files): image presets divide by it where they divide
   * 8-bit images by 255. Absent when the values have no fixed scale (DICOM): an intensity preset must say how they
   * become model inputs.
   */
  fullScale?: number;
  /**
   * MONOCHROME1 (DICOM): the lowest value is shown white. The intensity preset's output is inverted, as the standard
   * inverts after the VOI transformation (PS3.3 C.7.6.3.1.2), so the model sees bright where MONOCHROME2 would be.
   */
  inverted?: boolean;
  /** The window the image is shown through (DICOM WindowCenter/WindowWidth, first pair), for overlays only. */
  window?: { center: number; width: number };
  /** Where it came from (file name), for messages and output names. */
  name?: string;
}

/** Whether a value is a SampleImage (it has `samples`; a RawImage has `data`). */
export function isSampleImage(v: unknown): v is SampleImage {
  return typeof v === 'object' && v !== null && 'samples' in v;
}

/** A SampleImage given by a caller: its size, channels and sample count must agree, and every sample be finite. */
export function checkSampleImage(img: SampleImage, source: string): SampleImage {
  const { width, height, channels, samples, fullScale } = img;
  const ok =
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width > 0 &&
    height > 0 &&
    (channels === 1 || channels === 3) &&
    (samples instanceof Float32Array || samples instanceof Uint16Array) &&
    samples.length === width * height * channels;
  if (!ok)
    throw new InvalidInputError(
      `Image ${source} is not a valid SampleImage: width ${width}, height ${height}, channels ${channels} (1 or 3) need ` +
        `a Float32Array or Uint16Array of ${width * height * channels} samples; got ${samples?.length ?? 'none'}.`,
    );
  if (fullScale !== undefined && !(Number.isFinite(fullScale) && fullScale > 0))
    throw new InvalidInputError(`Image ${source}: fullScale must be a positive number; got ${fullScale}.`);
  for (let i = 0; i < samples.length; i++)
    if (!Number.isFinite(samples[i]))
      throw new InvalidInputError(`Image ${source} holds ${samples[i]} at sample ${i}: samples must be finite numbers.`);
  return img;
}

/** An 8-bit image's values as samples (full scale 255), for the intensity presets, which work on stored values. */
export function samplesOf(img: RawImage): SampleImage {
  const c = img.channels;
  const keep = c >= 3 ? 3 : 1; // alpha dropped, as every decoder here drops it
  const n = img.width * img.height;
  const samples = new Float32Array(n * keep);
  for (let i = 0; i < n; i++) for (let k = 0; k < keep; k++) samples[i * keep + k] = img.data[i * c + k];
  return { width: img.width, height: img.height, channels: keep as 1 | 3, samples, fullScale: 255, name: img.name };
}

/**
 * The image as 8-bit, for overlays: through its window when it has one, with DICOM's linear VOI function
 * (PS3.3 C.11.2.1.2.1: below c − 0.5 − (w − 1)/2 black, above c − 0.5 + (w − 1)/2 white, linear between), else
 * stretched from its lowest to its highest sample; MONOCHROME1 inverted. Every channel goes through the same window.
 */
export function displayImage(img: SampleImage): RawImage {
  const { samples } = img;
  let lo: number;
  let hi: number;
  let scale: (v: number) => number;
  if (img.window && img.window.width >= 1) {
    const { center: c, width: w } = img.window;
    lo = c - 0.5 - (w - 1) / 2;
    hi = c - 0.5 + (w - 1) / 2;
    scale = (v) => (v <= lo ? 0 : v > hi ? 1 : (v - (c - 0.5)) / (w - 1) + 0.5);
  } else {
    lo = Infinity;
    hi = -Infinity;
    for (const v of samples) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const span = hi - lo;
    scale = (v) => (span > 0 ? (v - lo) / span : 0);
  }
  const data = new Uint8Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const y = scale(samples[i]);
    data[i] = Math.round(255 * (img.inverted ? 1 - y : y));
  }
  return { width: img.width, height: img.height, channels: img.channels, data, name: img.name };
}
