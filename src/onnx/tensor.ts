/** Reading and writing tensor payloads (TensorProto) as plain numbers, and float16 conversion. */
import { DataType, DATA_TYPE_NAME } from './schema.js';
import { toNum, type TensorProto } from './types.js';
import { InvalidModelError } from '../errors.js';

export interface ConstTensor {
  dims: number[];
  dataType: number;
  /** Values as float64 numbers, whatever the storage type (int64 beyond 2^53 loses precision: not used for shapes). */
  values: Float64Array;
}

const BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.DOUBLE]: 8,
  [DataType.FLOAT16]: 2,
  [DataType.INT64]: 8,
  [DataType.UINT64]: 8,
  [DataType.INT32]: 4,
  [DataType.UINT32]: 4,
  [DataType.INT16]: 2,
  [DataType.UINT16]: 2,
  [DataType.INT8]: 1,
  [DataType.UINT8]: 1,
  [DataType.BOOL]: 1,
};

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Decodes a TensorProto's values. External data must already have been resolved into raw_data (see load.ts). */
export function readTensor(t: TensorProto): ConstTensor {
  const dims = (t.dims ?? []).map(toNum);
  const dataType = t.data_type ?? 0;
  const n = elementCount(dims);
  const out = new Float64Array(n);
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    const size = BYTES[dataType];
    if (size === undefined) throw new InvalidModelError(`Tensor '${t.name}' has unsupported data type ${dataType}.`);
    if (raw.length < n * size)
      throw new InvalidModelError(`Tensor '${t.name}' holds ${raw.length} bytes, expected ${n * size}: truncated?`);
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let i = 0; i < n; i++) out[i] = readScalar(dv, i * size, dataType);
    return { dims, dataType, values: out };
  }
  const src: ArrayLike<number | { toNumber(): number }> | undefined =
    dataType === DataType.FLOAT || dataType === DataType.FLOAT16 || dataType === DataType.BFLOAT16
      ? dataType === DataType.FLOAT
        ? t.float_data
        : t.int32_data
      : dataType === DataType.DOUBLE
        ? t.double_data
        : dataType === DataType.INT64
          ? t.int64_data
          : dataType === DataType.UINT64 || dataType === DataType.UINT32
            ? t.uint64_data
            : t.int32_data;
  if (!src || src.length < n) {
    if (n === 0) return { dims, dataType, values: out };
    throw new InvalidModelError(`Tensor '${t.name}' has no data for its ${n} elements.`);
  }
  for (let i = 0; i < n; i++) {
    const v = toNum(src[i] as never);
    out[i] = dataType === DataType.FLOAT16 ? float16ToFloat32(v) : v;
  }
  return { dims, dataType, values: out };
}

function readScalar(dv: DataView, off: number, dt: number): number {
  switch (dt) {
    case DataType.FLOAT:
      return dv.getFloat32(off, true);
    case DataType.DOUBLE:
      return dv.getFloat64(off, true);
    case DataType.FLOAT16:
      return float16ToFloat32(dv.getUint16(off, true));
    case DataType.INT64:
      return Number(dv.getBigInt64(off, true));
    case DataType.UINT64:
      return Number(dv.getBigUint64(off, true));
    case DataType.INT32:
      return dv.getInt32(off, true);
    case DataType.UINT32:
      return dv.getUint32(off, true);
    case DataType.INT16:
      return dv.getInt16(off, true);
    case DataType.UINT16:
      return dv.getUint16(off, true);
    case DataType.INT8:
      return dv.getInt8(off);
    default:
      return dv.getUint8(off);
  }
}

/** Encodes numbers as a TensorProto with raw_data (little-endian, as ONNX requires). */
export function makeTensor(name: string, dataType: number, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const n = elementCount(dims);
  if (values.length !== n) throw new Error(`makeTensor(${name}): ${values.length} values for dims [${dims.join(',')}]`);
  const size = BYTES[dataType];
  if (size === undefined) throw new Error(`makeTensor: unsupported data type ${DATA_TYPE_NAME[dataType] ?? dataType}`);
  const raw = new Uint8Array(n * size);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    switch (dataType) {
      case DataType.FLOAT:
        dv.setFloat32(i * 4, v, true);
        break;
      case DataType.DOUBLE:
        dv.setFloat64(i * 8, v, true);
        break;
      case DataType.FLOAT16:
        dv.setUint16(i * 2, float32ToFloat16(v), true);
        break;
      case DataType.INT64:
        dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true);
        break;
      case DataType.INT32:
        dv.setInt32(i * 4, v, true);
        break;
      case DataType.BOOL:
      case DataType.UINT8:
        dv.setUint8(i, v);
        break;
      default:
        throw new Error(`makeTensor: unsupported data type ${dataType}`);
    }
  }
  return { name, dims: [...dims], data_type: dataType, raw_data: raw };
}

/** IEEE 754 half (as uint16 bits) → number. */
export function float16ToFloat32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** number → IEEE 754 half bits, round to nearest even. */
export function float32ToFloat16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa rounds into the exponent, which the bit layout does by itself.
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

export function float16ArrayToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float16ToFloat32(src[i]);
  return out;
}

export function float32ArrayToFloat16(src: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32ToFloat16(src[i]);
  return out;
}
