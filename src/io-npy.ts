/**
 * NumPy .npy (format 1.0, 2.0 and 3.0) reading of float32/float64 arrays and writing of float32, platform-free.
 * The header is checked field by field before anything is allocated: the array is exactly the bytes after the
 * header (no truncation, no trailing data) and at most MAX_TENSOR_ELEMENTS elements.
 */
import { InvalidInputError } from './errors.js';
import { MAX_TENSOR_ELEMENTS } from './limits.js';

export interface NpyArray {
  dims: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

export function parseNpy(bytes: Uint8Array, what = '.npy data'): NpyArray {
  const bad = (field: string, problem: string, fix = 'write it again with numpy.save (a float32 or float64 array)') =>
    new InvalidInputError(`${what}: ${field} ${problem}; ${fix}.`);
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) throw new InvalidInputError(`${what} is not a NumPy .npy file.`);
  const [major, minor] = [bytes[6], bytes[7]];
  if (major < 1 || major > 3 || minor !== 0)
    throw bad('the format version', `is ${major}.${minor}, but .npy files are version 1.0, 2.0 or 3.0`);
  // Version 1.0 has a 2-byte header length, later ones 4 bytes; 3.0 is 2.0 with a UTF-8 header.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) throw bad('the header', 'is cut off');
  const headerLen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (start + headerLen > bytes.length)
    throw bad('the header length', `is ${headerLen} bytes but only ${bytes.length - start} follow`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const order = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  if (descr === undefined || shape === undefined || order === undefined)
    throw bad(
      'the header',
      `has no ${descr === undefined ? "'descr'" : shape === undefined ? "'shape'" : "'fortran_order'"} field`,
    );
  if (order === 'True') throw new InvalidInputError(`${what} is in Fortran order; save it with np.ascontiguousarray.`);
  const dtype = /^([<>=|]?)f([48])$/.exec(descr);
  if (!dtype) throw new InvalidInputError(`${what} holds dtype '${descr}'; gcam reads float32 or float64 arrays.`);
  const little = dtype[1] !== '>';
  const size = Number(dtype[2]);
  const dims = parseShape(shape, (problem, fix) => bad("the header field 'shape'", problem, fix));
  const n = dims.reduce((a, b) => a * b, 1);
  const off = start + headerLen;
  if (bytes.length - off !== n * size)
    throw bad(
      'the data',
      `is ${bytes.length - off} bytes but shape (${dims.join(', ')}) of ${descr} needs exactly ${n * size} (${bytes.length - off < n * size ? 'truncated' : 'trailing data'})`,
    );
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = size === 4 ? dv.getFloat32(off + i * 4, little) : dv.getFloat64(off + i * 8, little);
  return { dims, data };
}

/** The dims of a shape tuple's text ('1, 3, 224, 224' or '5,'): integers ≥ 1, MAX_TENSOR_ELEMENTS elements at most. */
function parseShape(text: string, bad: (problem: string, fix?: string) => InvalidInputError): number[] {
  if (text.trim() === '') return []; // '()': a scalar
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop(); // '(5,)': the trailing comma of a 1-tuple
  const dims: number[] = [];
  let n = 1;
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) < 1) throw bad(`has dimension '${p}', but every dimension must be an integer ≥ 1`);
    n *= Number(p);
    // Checked as it grows, so a long or huge shape is refused before its product loses precision.
    if (n > MAX_TENSOR_ELEMENTS)
      throw bad(
        `(${parts.join(', ')}) has more than ${MAX_TENSOR_ELEMENTS} elements, gcam's limit`,
        'save fewer images per file',
      );
    dims.push(Number(p));
  }
  return dims;
}

/**
 * The .npy version 1 header of a little-endian float32 array. With `length` (a multiple of 64) it is padded to exactly
 * that many bytes, so a file streamed before its first dimension is known can have its header rewritten in place.
 */
export function npyHeader(dims: readonly number[], length?: number): Uint8Array {
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = length ?? unpadded + ((64 - (unpadded % 64)) % 64);
  if (total < unpadded || total % 64 !== 0) throw new RangeError(`An .npy header of shape ${shape} does not fit ${total} bytes.`);
  dict += ' '.repeat(total - unpadded) + '\n';
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}

/** Little-endian float32 values, as .npy stores them whatever the machine's byte order. */
export function float32Bytes(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
  return out;
}

export function encodeNpy(data: Float32Array, dims: readonly number[]): Uint8Array {
  const header = npyHeader(dims);
  const out = new Uint8Array(header.length + data.length * 4);
  out.set(header);
  out.set(float32Bytes(data), header.length);
  return out;
}
