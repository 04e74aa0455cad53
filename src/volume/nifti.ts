/**
 * NIfTI-1 and NIfTI-2 volumes, platform-free (bytes in, bytes out): reading .nii / .nii.gz (nifti-reader-js parses
 * the header, fflate inflates; NIfTI-2's 540-byte header with 64-bit dims: ./nifti2.ts), and writing a float32
 * heatmap on the same voxel grid, in the input's version, with the input's header kept.
 *
 * Axes: voxel (i, j, k) becomes tensor position [i][j][k] (row-major [ni, nj, nk], so k varies fastest), as MONAI's
 * LoadImage + EnsureChannelFirst give a NIfTI's array (nibabel's get_fdata(), no reorientation). The file stores i
 * fastest, so reading and writing transpose.
 * World coordinates: the sform when sform_code > 0, else the qform when qform_code > 0, else pixdim scaling (NIfTI-1
 * methods 3, 2, 1, the same in NIfTI-2; sform first, as nibabel's best affine).
 */
import { NIFTI1, isCompressed, readHeader } from 'nifti-reader-js';
import { VolumeReadError } from '../errors.js';
import { MAX_TENSOR_ELEMENTS } from '../limits.js';
import { gunzipUpTo } from './gunzip.js';
import { NIFTI2_DATA_OFFSET, NIFTI2_HEADER_BYTES, isNifti2, nifti2Header, writeNifti2Header } from './nifti2.js';
import { fromReaderHeader } from './reader-header.js';

export interface NiftiVolume {
  /** Voxel values after scl_slope/scl_inter, row-major [ni, nj, nk]. */
  data: Float32Array;
  /** [ni, nj, nk] */
  dims: [number, number, number];
  /** 4×4 voxel (i, j, k, 1) → world (x, y, z, 1), row-major rows. */
  affine: number[][];
  /** The input's header (348 bytes for NIfTI-1, 540 for NIfTI-2; its own byte order), kept for the heatmap. */
  header: Uint8Array;
  littleEndian: boolean;
  /** NIfTI-1 or NIfTI-2: the heatmap is written in the input's version. */
  version: 1 | 2;
  /** Frames of a 4-D series (1 for a 3-D volume). */
  frames: number;
}

/** NIfTI-1 header size, and the data offset of a single-file .nii with no extensions. */
const HEADER_BYTES = 348;
const DATA_OFFSET = 352;
const GZIP_MAGIC = [0x1f, 0x8b];

/** What the reader needs of a header, NIfTI-1 or NIfTI-2 alike. */
export interface NiftiHeader {
  /** dim[0..7]: the rank, then the extent of each axis. */
  dims: number[];
  datatype: number;
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  littleEndian: boolean;
  /** 4×4 voxel → world, by the sform, qform or pixdim (see the header of this file). */
  affine: number[][];
  headerBytes: number;
}

/** Reads a volume. `frame`: the volume of a 4-D time series (needed when it has several). */
export function readNifti(bytes: Uint8Array, what: string, frame?: number): NiftiVolume {
  const gzipped = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  const inflate = (limit: number) => {
    try {
      return gunzipUpTo(bytes, limit);
    } catch (e) {
      throw new VolumeReadError(
        'truncated',
        `${what} is not a complete gzip stream (${(e as Error).message}): the file is truncated or damaged.`,
        { cause: e },
      );
    }
  };
  // The header first: the size it declares is checked before the voxels are inflated (see ./gunzip.ts).
  let raw = gzipped ? inflate(NIFTI2_DATA_OFFSET) : bytes;
  if (raw.length < HEADER_BYTES)
    throw new VolumeReadError('truncated', `${what} holds ${raw.length} bytes, less than a NIfTI-1 header (${HEADER_BYTES}).`);
  const header = isNifti2(raw) ? nifti2Header(raw, what) : nifti1Header(raw, what);
  const dims = header.dims;
  const rank = dims[0];
  if (!(rank >= 1 && rank <= 7))
    throw new VolumeReadError('malformed', `${what} declares ${rank} dimensions (NIfTI allows 1 to 7).`);
  const size = [1, 2, 3].map((a) => (a <= rank ? dims[a] : 1));
  const frames = rank >= 4 ? dims[4] : 1;
  const extra = dims.slice(5, rank + 1).reduce((a, b) => a * Math.max(b, 1), 1);
  if (size.some((d) => !(Number.isInteger(d) && d >= 1)) || !(frames >= 1) || extra !== 1)
    throw new VolumeReadError(
      'malformed',
      `${what} is [${dims.slice(1, rank + 1).join(', ')}]: gcam reads 3-D volumes and 4-D series of them.`,
    );
  let t = 0;
  if (frames > 1) {
    if (frame === undefined)
      throw new VolumeReadError(
        'time-series',
        `${what} is a 4-D series of ${frames} volumes [${size.join(', ')}, ${frames}]: choose one with --frame T (0 to ${frames - 1}).`,
      );
    t = frame;
  }
  if (frame !== undefined && !(Number.isInteger(frame) && frame >= 0 && frame < frames))
    throw new VolumeReadError('frame', `${what} has ${frames} frame(s); --frame ${frame} is not one of 0 to ${frames - 1}.`);
  const reader = READERS[header.datatype];
  if (!reader)
    throw new VolumeReadError(
      'datatype',
      `${what} stores voxels as NIfTI datatype ${header.datatype}${DATATYPE_NAMES[header.datatype] ? ` (${DATATYPE_NAMES[header.datatype]})` : ''}; ` +
        `gcam reads integer and float scalars (2, 4, 8, 16, 64, 256, 512, 768): convert the file to one of them (e.g. float32).`,
    );
  const voxels = size[0] * size[1] * size[2];
  if (voxels > MAX_TENSOR_ELEMENTS)
    throw new VolumeReadError(
      'too-large',
      `${what} is [${size.join(', ')}]: ${voxels} voxels, more than gcam's limit of ${MAX_TENSOR_ELEMENTS} (1 GiB of float32); crop or downsample it first.`,
    );
  // A float in NIfTI-1: NaN would index byte 0, the header, as voxels without a word.
  if (!Number.isFinite(header.voxOffset))
    throw new VolumeReadError(
      'malformed',
      `${what} has vox_offset ${header.voxOffset}: its header does not say where the voxels start; write the file again (e.g. nibabel's save).`,
    );
  // Below the header and its 4 extension bytes the voxels would overlap them: they start right after, as nibabel
  // reads such a single file (it fixes vox_offset 0 to 352).
  const offset = Math.max(Math.round(header.voxOffset), header.headerBytes + 4);
  const start = offset + t * voxels * reader.bytes;
  const end = offset + frames * voxels * reader.bytes;
  if (gzipped) raw = inflate(end);
  if (raw.length < end)
    throw new VolumeReadError(
      'truncated',
      `${what} is truncated: [${size.join(', ')}${frames > 1 ? `, ${frames}` : ''}] of ${reader.bytes}-byte voxels need ${end} bytes, it holds ${raw.length}.`,
    );
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  // scl_slope = 0 means "no scaling" (NIfTI-1 and -2).
  const slope = header.sclSlope && Number.isFinite(header.sclSlope) ? header.sclSlope : 1;
  const inter = header.sclSlope && Number.isFinite(header.sclInter) ? header.sclInter : 0;
  const [ni, nj, nk] = size;
  const data = new Float32Array(voxels);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        const v = reader.read(view, start + (i + ni * (j + nj * k)) * reader.bytes, header.littleEndian);
        data[(i * nj + j) * nk + k] = v * slope + inter;
      }
  return {
    data,
    dims: [ni, nj, nk],
    affine: header.affine,
    header: raw.slice(0, header.headerBytes),
    littleEndian: header.littleEndian,
    version: header.headerBytes === HEADER_BYTES ? 1 : 2,
    frames,
  };
}

/** A NIfTI-1 header's facts, parsed by nifti-reader-js (the sform read here: see worldAffine). */
function nifti1Header(raw: Uint8Array, what: string): NiftiHeader {
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  if (isCompressed(buffer)) throw new VolumeReadError('malformed', `${what} is compressed twice.`);
  let header;
  try {
    header = readHeader(buffer);
  } catch (e) {
    throw new VolumeReadError('malformed', `${what} has no readable NIfTI header: ${(e as Error).message}.`, { cause: e });
  }
  if (!(header instanceof NIFTI1) || !/^n\+1/.test(header.magic ?? ''))
    throw new VolumeReadError(
      'malformed',
      `${what} is not a single-file NIfTI-1 or NIfTI-2 volume (magic '${header?.magic ?? ''}'; .hdr/.img pairs are not supported).`,
    );
  return fromReaderHeader(header, worldAffine(header, new DataView(raw.buffer, raw.byteOffset, raw.byteLength)), HEADER_BYTES);
}

/** Voxel (i, j, k) → world (x, y, z) by a 4×4 affine. */
export function toWorld(affine: readonly (readonly number[])[], voxel: readonly number[]): number[] {
  return [0, 1, 2].map((r) => affine[r][0] * voxel[0] + affine[r][1] * voxel[1] + affine[r][2] * voxel[2] + affine[r][3]);
}

function worldAffine(header: NIFTI1, view: DataView): number[][] {
  if (header.sform_code > 0) {
    const rows = [280, 296, 312].map((o) => [0, 1, 2, 3].map((c) => view.getFloat32(o + 4 * c, header.littleEndian)));
    return [...rows, [0, 0, 0, 1]];
  }
  return header.affine.map((r) => [...r]);
}

/** The names of the datatypes gcam does not read, for its message. */
const DATATYPE_NAMES: Record<number, string> = {
  1: 'binary',
  32: 'complex64',
  128: 'RGB24',
  1024: 'int64',
  1280: 'uint64',
  1536: 'float128',
  1792: 'complex128',
  2048: 'complex256',
  2304: 'RGBA32',
};

interface VoxelReader {
  bytes: number;
  read(view: DataView, at: number, little: boolean): number;
}

/** NIfTI datatype codes (the same in NIfTI-1 and -2) → readers (complex, RGB and 64-bit integers are refused). */
const READERS: Record<number, VoxelReader> = {
  2: { bytes: 1, read: (v, at) => v.getUint8(at) },
  4: { bytes: 2, read: (v, at, le) => v.getInt16(at, le) },
  8: { bytes: 4, read: (v, at, le) => v.getInt32(at, le) },
  16: { bytes: 4, read: (v, at, le) => v.getFloat32(at, le) },
  64: { bytes: 8, read: (v, at, le) => v.getFloat64(at, le) },
  256: { bytes: 1, read: (v, at) => v.getInt8(at) },
  512: { bytes: 2, read: (v, at, le) => v.getUint16(at, le) },
  768: { bytes: 4, read: (v, at, le) => v.getUint32(at, le) },
};

/**
 * A float32 NIfTI file of `map` (row-major [ni, nj, nk]) on the grid of `like`, in its version (NIfTI-1 or -2), its
 * header copied, so pixdim, units, qform, sform and description stay; only what describes the data changes: dim,
 * datatype, bitpix, vox_offset, scaling, calibration range and intent. Without `like` (a volume that came as .npy): a
 * fresh NIfTI-1 header with unit voxels and no orientation. `display`: the calibration range viewers show it in
 * (cal_min, cal_max; maps span [0, 1]). Gzipped by the caller when the name ends in .gz.
 */
export function writeNifti(
  map: Float32Array,
  dims: readonly number[],
  like?: Pick<NiftiVolume, 'header' | 'littleEndian' | 'version'>,
  display: readonly [number, number] = [0, 1],
): Uint8Array {
  const [ni, nj, nk] = dims;
  if (map.length !== ni * nj * nk) throw new Error(`gcam internal: a map of ${map.length} values for [${dims.join(', ')}]`);
  const two = like?.version === 2;
  const offset = two ? NIFTI2_DATA_OFFSET : DATA_OFFSET;
  const out = new Uint8Array(offset + 4 * map.length);
  const le = like ? like.littleEndian : true;
  const v = new DataView(out.buffer);
  if (two) writeNifti2Header(v, like.header.subarray(0, NIFTI2_HEADER_BYTES), [ni, nj, nk], le, display);
  else writeNifti1Header(v, like?.header, [ni, nj, nk], le, display);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) v.setFloat32(offset + 4 * (i + ni * (j + nj * k)), map[(i * nj + j) * nk + k], le);
  return out;
}

/** The 352 bytes before a float32 NIfTI-1 heatmap's voxels: `header` (the input's, or a fresh one) with its data fields set. */
function writeNifti1Header(
  v: DataView,
  header: Uint8Array | undefined,
  [ni, nj, nk]: readonly number[],
  le: boolean,
  display: readonly [number, number],
): void {
  const out = new Uint8Array(v.buffer, v.byteOffset, DATA_OFFSET);
  if (header) out.set(header.subarray(0, HEADER_BYTES));
  else {
    v.setInt32(0, HEADER_BYTES, le);
    out[38] = 'r'.charCodeAt(0);
    for (let a = 0; a < 8; a++) v.setFloat32(76 + 4 * a, 1, le);
  }
  const dim = [3, ni, nj, nk, 1, 1, 1, 1];
  dim.forEach((d, a) => v.setInt16(40 + 2 * a, d, le));
  for (const o of [56, 60, 64]) v.setFloat32(o, 0, le); // intent_p1–3
  v.setInt16(68, 0, le); // intent_code: none
  v.setInt16(70, 16, le); // datatype: float32
  v.setInt16(72, 32, le); // bitpix
  v.setFloat32(108, DATA_OFFSET, le); // vox_offset
  v.setFloat32(112, 1, le); // scl_slope
  v.setFloat32(116, 0, le); // scl_inter
  v.setFloat32(124, display[1], le); // cal_max
  v.setFloat32(128, display[0], le); // cal_min
  v.setInt32(140, 0, le); // glmax, glmin: unused
  v.setInt32(144, 0, le);
  out.fill(0, 328, 344); // intent_name
  out.set([0x6e, 0x2b, 0x31, 0], 344); // magic 'n+1\0': data in the same file
  out.fill(0, HEADER_BYTES, DATA_OFFSET); // no extensions
}
