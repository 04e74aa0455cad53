/**
 * NIfTI-2 headers, platform-free: the 540-byte header of the NIfTI-2 format (the NIfTI-1 fields widened: 64-bit dims,
 * vox_offset and slice indices, float64 pixdim, scaling, quaternion and sform rows, and the fields reordered),
 * recognised by its sizeof_hdr 540 in either byte order, then parsed by nifti-reader-js; and the header of a float32
 * heatmap written from the input's. Field offsets (bytes): magic 4, datatype 12, bitpix 14, dim[8] 16, intent_p1–3 80,
 * pixdim[8] 104, vox_offset 168, scl_slope 176, scl_inter 184, cal_max 192, cal_min 200, qform_code 344,
 * sform_code 348, quatern_b/c/d 352, qoffset_x/y/z 376, srow_x/y/z 400, intent_code 504, intent_name 508; the
 * 4-byte extension flag follows the header, the voxels start at vox_offset (544 without extensions).
 */
import { NIFTI2, readHeader } from 'nifti-reader-js';
import { VolumeReadError } from '../errors.js';
import type { NiftiHeader } from './nifti.js';
import { fromReaderHeader } from './reader-header.js';

export const NIFTI2_HEADER_BYTES = 540;
export const NIFTI2_DATA_OFFSET = 544;
/** 'n+2\0' then \r\n\032\n: a single file (.nii), its data after the header. */
const MAGIC = [0x6e, 0x2b, 0x32, 0, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether these bytes begin with a NIfTI-2 header (sizeof_hdr = 540, little- or big-endian). */
export function isNifti2(raw: Uint8Array): boolean {
  if (raw.length < 4) return false;
  const v = new DataView(raw.buffer, raw.byteOffset, 4);
  return v.getInt32(0, true) === NIFTI2_HEADER_BYTES || v.getInt32(0, false) === NIFTI2_HEADER_BYTES;
}

/** A NIfTI-2 header's facts; its affine by the sform (sform_code > 0), else the qform, else pixdim scaling. */
export function nifti2Header(raw: Uint8Array, what: string): NiftiHeader {
  if (raw.length < NIFTI2_HEADER_BYTES)
    throw new VolumeReadError(
      'truncated',
      `${what} holds ${raw.length} bytes, less than the NIfTI-2 header it begins (${NIFTI2_HEADER_BYTES}).`,
    );
  // The magic first: nifti-reader-js has no word for a pair's 'ni2' but "not NIfTI".
  if (!MAGIC.slice(0, 4).every((b, i) => raw[4 + i] === b))
    throw new VolumeReadError(
      'malformed',
      `${what} is not a single-file NIfTI-2 volume (magic '${String.fromCharCode(...raw.subarray(4, 7))}'; .hdr/.img pairs are not supported).`,
    );
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  let header;
  try {
    header = readHeader(buffer);
  } catch (e) {
    throw new VolumeReadError('malformed', `${what} has no readable NIfTI-2 header: ${(e as Error).message}.`, { cause: e });
  }
  if (!(header instanceof NIFTI2)) throw new VolumeReadError('malformed', `${what} has no readable NIfTI-2 header.`);
  return fromReaderHeader(header, affineOf(header), NIFTI2_HEADER_BYTES);
}

/**
 * Voxel → world: the sform rows (method 3), else the quaternion (method 2: R from b, c, d with a = √(1 − b² − c² − d²),
 * columns scaled by pixdim[1..3], the third by qfac = pixdim[0] < 0 ? −1 : 1, then the offsets), else pixdim scaling
 * (method 1), as the NIfTI-1 standard defines them for both versions.
 */
function affineOf(h: NIFTI2): number[][] {
  if (h.sform_code > 0) return [...h.affine.slice(0, 3).map((r) => [...r]), [0, 0, 0, 1]];
  const [qfac0, dx, dy, dz] = h.pixDims;
  if (h.qform_code > 0) {
    const [b, c, d] = [h.quatern_b, h.quatern_c, h.quatern_d];
    const a = Math.sqrt(Math.max(0, 1 - b * b - c * c - d * d));
    const qfac = qfac0 < 0 ? -1 : 1;
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const offsets = [h.qoffset_x, h.qoffset_y, h.qoffset_z];
    return [...r.map((row, i) => [row[0] * dx, row[1] * dy, row[2] * dz * qfac, offsets[i]]), [0, 0, 0, 1]];
  }
  return [
    [dx, 0, 0, 0],
    [0, dy, 0, 0],
    [0, 0, dz, 0],
    [0, 0, 0, 1],
  ];
}

/**
 * The 544 bytes before a float32 NIfTI-2 heatmap's voxels: the input's 540-byte header (pixdim, units, qform, sform,
 * description kept) with what describes the data set (dim, datatype, bitpix, vox_offset, scaling, calibration range,
 * intent, the single-file magic), and no extensions.
 */
export function writeNifti2Header(
  v: DataView,
  header: Uint8Array,
  [ni, nj, nk]: readonly number[],
  le: boolean,
  display: readonly [number, number],
): void {
  const out = new Uint8Array(v.buffer, v.byteOffset, NIFTI2_DATA_OFFSET);
  out.set(header.subarray(0, NIFTI2_HEADER_BYTES));
  out.set(MAGIC, 4);
  v.setInt16(12, 16, le); // datatype: float32
  v.setInt16(14, 32, le); // bitpix
  [3, ni, nj, nk, 1, 1, 1, 1].forEach((d, a) => v.setBigInt64(16 + 8 * a, BigInt(d), le));
  for (const o of [80, 88, 96]) v.setFloat64(o, 0, le); // intent_p1–3
  v.setBigInt64(168, BigInt(NIFTI2_DATA_OFFSET), le); // vox_offset
  v.setFloat64(176, 1, le); // scl_slope
  v.setFloat64(184, 0, le); // scl_inter
  v.setFloat64(192, display[1], le); // cal_max
  v.setFloat64(200, display[0], le); // cal_min
  v.setInt32(504, 0, le); // intent_code: none
  out.fill(0, 508, 524); // intent_name
  out.fill(0, NIFTI2_HEADER_BYTES, NIFTI2_DATA_OFFSET); // no extensions
}
