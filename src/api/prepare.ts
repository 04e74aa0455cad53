/** An image source → the model input tensor, with the geometry that carries maps back onto the original image. */
import { InvalidInputError } from '../errors.js';
import { prepareImage, type Geometry, type PreprocessSpec } from '../image/preprocess.js';
import type { RawImage } from '../image/raw.js';
import { isDicom, readDicom } from '../image/dicom.js';
import { checkSampleImage, isSampleImage } from '../image/samples.js';
import type { ImageSource, Platform } from './options.js';
import { applyIntensity, type IntensitySpec } from '../volume/intensity.js';
import { inputKind, modelKind } from './input-kinds.js';
import type { SampleImage } from '../image/samples.js';
import { isVolumeSource, prepareVolume } from '../volume/prepare.js';

export interface Prepared {
  source: string;
  tensor: Float32Array;
  /** How the original image maps to the model input; absent for tensor inputs. */
  geometry?: Geometry;
  /** A volume source's own grid [D, H, W], where maps are carried back to. */
  volume?: { original: number[] };
}

/**
 * @param inputShape [N, C, H, W] (or [N, C, D, H, W], [N, C, L]) the model takes; `index` names unnamed sources in
 *   messages.
 * @param intensity the preset of volume sources and of tensors for signal models (none when not given), and of 2-D
 *   images (their preset's value steps when not given)
 */
export async function prepareSource(
  img: ImageSource,
  index: number,
  inputShape: readonly number[],
  preprocess: PreprocessSpec | 'none',
  platform: Platform,
  intensity?: IntensitySpec,
): Promise<Prepared> {
  const [, c, ...size] = inputShape;
  if (isVolumeSource(img)) {
    const source = img.name ?? `volume #${index}`;
    const { tensor, original } = prepareVolume(img, source, inputShape, intensity ?? { kind: 'none' });
    return { source, tensor, volume: { original } };
  }
  if (typeof img === 'object' && img !== null && 'tensor' in img) {
    if (!(img.tensor instanceof Float32Array) || !Array.isArray(img.dims) || !img.dims.every((d) => Number.isInteger(d)))
      throw new InvalidInputError(
        `Tensor input ${img.name ?? `#${index}`} must be { tensor: Float32Array, dims: integer[] }; got tensor ${describeType(img.tensor)} and dims ${describeType(img.dims)}.`,
      );
    const want = [c, ...size];
    const dims = img.dims.length === want.length + 1 && img.dims[0] === 1 ? img.dims.slice(1) : img.dims;
    const per = want.reduce((a, b) => a * b, 1);
    if (dims.length !== want.length || dims.some((d, i) => d !== want[i]) || img.tensor.length !== per) {
      // A tensor of another kind (a [C, H, W] image for a signal model, say) is named as such.
      const given = dims.length !== want.length ? inputKind(dims.length - 1) : undefined;
      const kind = modelKind(inputShape);
      throw new InvalidInputError(
        `Tensor input ${img.name ?? `#${index}`} is [${img.dims.join(', ')}] with ${img.tensor.length} values${given ? `, ${given.one} ${given.axes}` : ''}; ` +
          `the model takes [${want.join(', ')}]${given ? ` (${kind.one} ${kind.axes})` : ''}.`,
      );
    }
    const source = img.name ?? `tensor #${index}`;
    checkFinite(img.tensor, `Tensor input ${source}`);
    // Signal models: the intensity preset applies to each signal tensor as a whole (all its channels together).
    return { source, tensor: size.length === 1 ? applyIntensity(img.tensor, intensity ?? { kind: 'none' }) : img.tensor };
  }
  const source = describe(img, index);
  if (size.length !== 2)
    throw new InvalidInputError(
      `${source} is a 2-D image; this model takes ${modelKind(inputShape).many} [${inputShape.join(', ')}]: give ` +
        `${size.length === 3 ? 'a volume (.npy, .nii, .nii.gz) or a tensor' : 'a signal tensor [C, L] (.npy)'}.`,
    );
  if (preprocess === 'none')
    throw new InvalidInputError(`Preprocessing 'none' needs preprocessed tensors (.npy), but ${source} is an image.`);
  const raw = await decodeSource(img, source, platform);
  const { tensor, geometry } = prepareImage(raw, preprocess, c, intensity);
  return { source, tensor, geometry };
}

/** An image source decoded: DICOM bytes by gcam itself (on every platform), other paths and bytes by the platform. */
async function decodeSource(img: ImageSource, source: string, platform: Platform): Promise<RawImage | SampleImage> {
  if (img instanceof Uint8Array && isDicom(img)) return readDicom(img, source);
  if (typeof img === 'string' || img instanceof Uint8Array) return platform.decodeImage(img);
  return isSampleImage(img) ? checkSampleImage(img, source) : checkRaw(img as RawImage, source);
}

/** How an input is named in results and messages. */
export function nameOf(img: ImageSource, index: number): string {
  if (typeof img === 'object' && img !== null && 'tensor' in img) return img.name ?? `tensor #${index}`;
  if (isVolumeSource(img)) return img.name ?? `volume #${index}`;
  try {
    return describe(img, index);
  } catch {
    return `input #${index}`;
  }
}

function describe(img: ImageSource, index: number): string {
  if (typeof img === 'string') return img;
  if (img instanceof Uint8Array) return `image bytes #${index}`;
  if (typeof img === 'object' && img !== null && ('data' in img || 'samples' in img)) return img.name ?? `image #${index}`;
  throw new InvalidInputError(
    `Image #${index} is neither a path, bytes, a RawImage {width, height, channels, data}, a SampleImage {width, height, channels, samples} nor a tensor {tensor, dims}.`,
  );
}

/** A RawImage given by the caller: its size, channels and byte count must agree. */
function checkRaw(img: RawImage, source: string): RawImage {
  const { width, height, channels, data } = img;
  const ok =
    Number.isInteger(width) &&
    Number.isInteger(height) &&
    width > 0 &&
    height > 0 &&
    [1, 3, 4].includes(channels) &&
    data instanceof Uint8Array &&
    data.length === width * height * channels;
  if (!ok)
    throw new InvalidInputError(
      `Image ${source} is not a valid RawImage: width ${width}, height ${height}, channels ${channels} (1, 3 or 4) need ` +
        `${width * height * channels} bytes; got ${data?.length ?? 'no data'}.`,
    );
  return img;
}

/**
 * NaN or ±Infinity in a model input would give NaN scores and blank maps: refused, with where it is. v·0 is 0 for
 * every finite v and NaN otherwise, so four running sums of it tell whether all are finite at ~2× the speed of
 * Number.isFinite per value (1.4 → 0.6 ms for a batch of eight 3×224×224 tensors); the index is searched only then.
 */
function checkFinite(x: Float32Array, what: string): void {
  // Separate variables: with `let [a, b, c, d] = …` V8 ran this loop 4× slower.
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  let i = 0;
  for (; i + 4 <= x.length; i += 4) {
    a += x[i] * 0;
    b += x[i + 1] * 0;
    c += x[i + 2] * 0;
    d += x[i + 3] * 0;
  }
  for (; i < x.length; i++) a += x[i] * 0;
  if (a + b + c + d === 0) return;
  for (let j = 0; j < x.length; j++)
    if (!Number.isFinite(x[j]))
      throw new InvalidInputError(`${what} holds ${x[j]} at index ${j}: inputs must be finite numbers.`);
}

function describeType(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.slice(0, 4).map(String).join(', ')}${v.length > 4 ? ', …' : ''}]`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : `${typeof v} ${JSON.stringify(v)}`;
}
