/** NumPy .npy (format 1.0/2.0) reading of float32/float64 arrays and writing of float32, platform-free. */
import { InvalidInputError } from './errors.js';

export interface NpyArray {
  dims: number[];
  data: Float32Array;
}

export function parseNpy(bytes: Uint8Array, what = '.npy data'): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || magic.some((m, i) => bytes[i] !== m)) throw new InvalidInputError(`${what} is not a NumPy .npy file.`);
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shape === undefined) throw new InvalidInputError(`${what} has an unreadable .npy header.`);
  if (fortran) throw new InvalidInputError(`${what} is in Fortran order; save it with np.ascontiguousarray.`);
  const dims = shape
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const n = dims.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  const little = descr[0] !== '>';
  const kind = descr.slice(1);
  const size = kind === 'f4' ? 4 : kind === 'f8' ? 8 : 0;
  if (!size) throw new InvalidInputError(`${what} holds dtype '${descr}'; gcam reads float32 or float64 arrays.`);
  if (bytes.length < off + n * size) throw new InvalidInputError(`${what} is truncated.`);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = size === 4 ? dv.getFloat32(off + i * 4, little) : dv.getFloat64(off + i * 8, little);
  return { dims, data };
}

export function encodeNpy(data: Float32Array, dims: readonly number[]): Uint8Array {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.length * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const body = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < data.length; i++) body.setFloat32(i * 4, data[i], true);
  return out;
}
