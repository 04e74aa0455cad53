/**
 * gcam's NiftiHeader from nifti-reader-js's parsed header: the same fields for NIfTI-1 (./nifti.ts) and NIfTI-2
 * (./nifti2.ts); each reader works out the affine and knows its header's size.
 */
import type { NIFTI1, NIFTI2 } from 'nifti-reader-js';
import type { NiftiHeader } from './nifti.js';

export function fromReaderHeader(header: NIFTI1 | NIFTI2, affine: number[][], headerBytes: number): NiftiHeader {
  return {
    dims: header.dims,
    datatype: header.datatypeCode,
    voxOffset: header.vox_offset,
    sclSlope: header.scl_slope,
    sclInter: header.scl_inter,
    littleEndian: header.littleEndian,
    affine,
    headerBytes,
  };
}
