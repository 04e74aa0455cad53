/**
 * Reading what the command line names: images (8-bit, 16-bit PNG/TIFF, DICOM), .npy tensors (images, volumes,
 * signals) and NIfTI volumes to explain, and text files such as --labels.
 */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { GcamError, ImageReadError, parseNpy, readImageSamples } from '../node.js';
import type { RawImage } from '../image/raw.js';
import { displayImage, isSampleImage, type SampleImage } from '../image/samples.js';
import { readNifti, type NiftiVolume } from '../volume/nifti.js';
import type { VolumeSource } from '../volume/prepare.js';
import { UsageError } from './args.js';
import { fileKind, osReason } from './file-kind.js';

export interface LoadedInput {
  source:
    | (RawImage & { name: string })
    | (SampleImage & { name: string })
    | { tensor: Float32Array; dims: readonly number[]; name: string }
    | (VolumeSource & { name: string });
  /** The decoded photo, to draw its overlay on (a 16-bit or DICOM image through its window); undefined for tensors. */
  photo?: RawImage;
  /** A NIfTI input's header and affine: its heatmaps are written on its grid, its peaks in world coordinates. */
  nifti?: NiftiVolume;
  /** The path it was read from (a batched .npy gives several inputs). */
  path: string;
}

/** Whether a path names a NIfTI volume (.nii or .nii.gz). */
export function isNiftiPath(path: string): boolean {
  return /\.nii(\.gz)?$/i.test(path);
}

/**
 * The inputs one path gives (a batched .npy [N,C,H,W] gives N, named 'x.npy[i]'); a GcamError when it cannot be read.
 * `inputShape`: the model's, which tells a volume model's .npy ranks apart; `frame`: a NIfTI series' volume or a
 * multi-frame DICOM's frame. Images keep their precision (16-bit PNG/TIFF, DICOM by its marker or a .dcm name).
 */
export async function readPath(path: string, inputShape: readonly number[], frame?: number): Promise<LoadedInput[]> {
  if (extname(path).toLowerCase() === '.npy') return readTensors(path, inputShape);
  if (isNiftiPath(path)) return [readVolume(path, frame)];
  checkRegularFile(path, 'Image', (m) => new ImageReadError(m));
  const image = { ...(await readImageSamples(path, `'${path}'`, frame)), name: path };
  return [{ source: image, photo: isSampleImage(image) ? displayImage(image) : image, path }];
}

/**
 * Why a tensor input does not fit the model's [C, H, W], for the skip report; undefined when it fits (images always
 * do: they are resized). Checked here rather than left to the library so the run goes on with the other inputs.
 */
export function misfit({ source, path }: LoadedInput, inputShape: readonly number[]): string | undefined {
  const want = inputShape.slice(1);
  if (!('tensor' in source) || source.dims.every((d, i) => d === want[i])) return undefined;
  // A one-channel signal model reads a 2-D .npy as [C, L]: N signals [N, L] need their channel axis.
  const rows = want.length === 2 && want[0] === 1 && source.dims.length === 2 && source.dims[1] === want[1];
  return `'${path}' is [${source.dims.join(', ')}]; the model takes [${want.join(', ')}]${rows ? ` (${source.dims[0]} one-channel signals are [N, 1, L]: save them as [${source.dims[0]}, 1, ${want[1]}])` : ''}.`;
}

/** A .npy's spatial axes by their number: signals, images, volumes. */
const AXES: Record<number, string> = { 1: 'L', 2: 'H,W', 3: 'D,H,W' };

function readBytes(path: string): Buffer {
  const fail = (m: string) => new ImageReadError(m);
  checkRegularFile(path, 'Input', fail);
  try {
    return readFileSync(path);
  } catch (e) {
    throw fail(`Input '${path}' cannot be read: ${osReason(e)}.`);
  }
}

/** A NIfTI volume on its own grid (one channel; the library applies --intensity and resamples it). */
function readVolume(path: string, frame?: number): LoadedInput {
  const nifti = readNifti(readBytes(path), `'${path}'`, frame);
  return { source: { volume: nifti.data, dims: nifti.dims, name: path }, nifti, path };
}

function readTensors(path: string, inputShape: readonly number[]): LoadedInput[] {
  const fail = (m: string) => new ImageReadError(m);
  const arr = parseNpy(readBytes(path), `'${path}'`);
  // Images: [N,C,H,W] or [C,H,W]. Volumes: [N,C,D,H,W], [C,D,H,W], or [D,H,W] for a one-channel model. Signals:
  // [N,C,L], [C,L], or [L] for a one-channel model.
  const axes = inputShape.length - 2;
  const bare = axes !== 2 && inputShape[1] === 1;
  const batched = axes + 2;
  const ranks = bare ? [axes, axes + 1, batched] : [axes + 1, batched];
  const names = AXES[axes] ?? AXES[2];
  if (!ranks.includes(arr.dims.length))
    throw fail(`'${path}' is [${arr.dims}]: expected [N,C,${names}] or [C,${names}]${bare ? ` or [${names}]` : ''}.`);
  // An empty dimension gives no input at all, and a batch of none would vanish from the run without a word.
  if (!arr.dims.every((d) => Number.isSafeInteger(d) && d > 0))
    throw fail(`'${path}' is [${arr.dims}]: every dimension must be a positive integer.`);
  const dims = arr.dims.length === axes ? [1, ...arr.dims] : arr.dims;
  const [n, ...chw] = dims.length === batched ? dims : [1, ...dims];
  const per = chw.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => ({
    source: { tensor: arr.data.subarray(i * per, (i + 1) * per), dims: chw, name: n > 1 ? `${path}[${i}]` : path },
    path,
  }));
}

/**
 * Looks before opening: a FIFO would block the read forever and a folder fails in obscure ways, so anything but a
 * regular file is refused with what it is.
 */
function checkRegularFile(path: string, what: string, fail: (message: string) => GcamError): void {
  let st;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw fail(`${what} '${path}' cannot be read: ${osReason(e)}.`);
  }
  if (!st) throw fail(`${what} '${path}' does not exist.`);
  if (!st.isFile()) throw fail(`${what} '${path}' is ${fileKind(st)}, not a file.`);
}

export function readText(path: string): string {
  const fail = (m: string) => new UsageError(m);
  checkRegularFile(path, 'File', fail);
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw fail(`Cannot read '${path}': ${osReason(e)}.`);
  }
}

export interface LoadedInputs {
  inputs: LoadedInput[];
  /** Paths that were skipped (already reported on stderr). */
  failed: string[];
}

/**
 * Every path read at once, for a command that needs its inputs together (gcam evaluate); a path that cannot be read
 * is reported and skipped so the others are still used.
 */
export async function loadInputs(paths: readonly string[], inputShape: readonly number[]): Promise<LoadedInputs> {
  const inputs: LoadedInput[] = [];
  const failed: string[] = [];
  for (const path of paths) {
    try {
      inputs.push(...(await readPath(path, inputShape)));
    } catch (e) {
      if (!(e instanceof GcamError)) throw e;
      skip(failed, path, e.message);
    }
  }
  return { inputs, failed };
}

/** The inputs that fit the model; the others are reported (once per file) and skipped. */
export function keepFitting({ inputs, failed }: LoadedInputs, inputShape: readonly number[]): LoadedInputs {
  const skipped = [...failed];
  const kept = inputs.filter((input) => {
    const why = misfit(input, inputShape);
    if (why && !skipped.includes(input.path)) skip(skipped, input.path, why);
    return !why;
  });
  return { inputs: kept, failed: skipped };
}

function skip(failed: string[], path: string, why: string): void {
  failed.push(path);
  console.error(`gcam: skipped ${path}: ${why}`);
}
