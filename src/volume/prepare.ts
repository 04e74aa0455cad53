/**
 * A volume on its own voxel grid → the model input [C, D, H, W], and maps back: intensity preset first (on the
 * original values, as MONAI's pipelines apply it), then trilinear resampling with half-pixel centres to the model's
 * spatial size (MONAI's Resize, torch interpolate(mode='trilinear', align_corners=False)); maps are carried back to
 * the original grid the same way.
 */
import { InvalidInputError } from '../errors.js';
import { resizeLinear } from '../cam/postprocess.js';
import { applyIntensity, type IntensitySpec } from './intensity.js';

/** A volume given as raw voxel values: [D, H, W] (one channel) or [C, D, H, W], row-major. */
export interface VolumeSource {
  volume: Float32Array;
  dims: readonly number[];
  name?: string;
}

export function isVolumeSource(v: unknown): v is VolumeSource {
  return typeof v === 'object' && v !== null && 'volume' in v;
}

/** The model input of a volume and the grid it came from. `inputShape`: [N, C, D, H, W] the model takes. */
export function prepareVolume(
  src: VolumeSource,
  source: string,
  inputShape: readonly number[],
  intensity: IntensitySpec,
): { tensor: Float32Array; original: number[] } {
  const [, c, ...size] = inputShape;
  if (size.length !== 3)
    throw new InvalidInputError(`${source} is a volume, but the model takes [${inputShape.join(', ')}], not [N, C, D, H, W].`);
  const ok = src.volume instanceof Float32Array && Array.isArray(src.dims) && src.dims.every((d) => Number.isInteger(d) && d > 0);
  const dims = ok ? (src.dims.length === 3 ? [1, ...src.dims] : [...src.dims]) : [];
  if (!ok || dims.length !== 4 || src.volume.length !== dims.reduce((a, b) => a * b, 1))
    throw new InvalidInputError(
      `Volume ${source} must be { volume: Float32Array, dims: [D, H, W] or [C, D, H, W] } with as many values as the dims say; ` +
        `got dims [${Array.isArray(src.dims) ? src.dims.join(', ') : String(src.dims)}] and ${src.volume?.length ?? 'no'} values.`,
    );
  if (dims[0] !== c)
    throw new InvalidInputError(`Volume ${source} has ${dims[0]} channel(s) ([${src.dims.join(', ')}]); the model takes ${c}.`);
  for (let i = 0; i < src.volume.length; i++)
    if (!Number.isFinite(src.volume[i]))
      throw new InvalidInputError(`Volume ${source} holds ${src.volume[i]} at index ${i}: voxels must be finite numbers.`);
  const original = dims.slice(1);
  const scaled = applyIntensity(src.volume, intensity);
  const same = original.every((d, i) => d === size[i]);
  const tensor = same ? scaled : resizeLinear({ data: scaled, dims: [c, ...original] }, size).data;
  return { tensor, original };
}

/** A map [D, H, W] at the model's size carried back to the original grid (trilinear, half-pixel). */
export function carryToGrid(map: Float32Array, size: readonly number[], original: readonly number[]): Float32Array {
  if (size.every((d, i) => d === original[i])) return map;
  return resizeLinear({ data: map, dims: [1, ...size] }, original).data;
}
