/**
 * Where a tensor's external bytes are, checked against the tensor itself before any file is touched: the `offset`
 * and `length` entries are text written by whoever made the model, and the tensor's shape and type fix exactly how
 * many bytes it may take, so a reader never needs more than that range (nor the rest of a huge or endless file).
 */
import { DATA_TYPE_NAME } from './schema.js';
import { toNum, type TensorProto } from './types.js';
import { InvalidModelError } from '../errors.js';

/** Bits per element of each ONNX data type stored as raw bytes (STRING, 8, never is); 4-bit types pack two per byte. */
const BITS: Record<number, number> = {
  1: 32, // float
  2: 8, // uint8
  3: 8, // int8
  4: 16, // uint16
  5: 16, // int16
  6: 32, // int32
  7: 64, // int64
  9: 8, // bool
  10: 16, // float16
  11: 64, // double
  12: 32, // uint32
  13: 64, // uint64
  14: 64, // complex64
  15: 128, // complex128
  16: 16, // bfloat16
  17: 8, // float8e4m3fn
  18: 8, // float8e4m3fnuz
  19: 8, // float8e5m2
  20: 8, // float8e5m2fnuz
  21: 4, // uint4
  22: 4, // int4
  23: 4, // float4e2m1
};

export interface ExternalSlice {
  /** The file, relative to the model's folder, as the model spells it. */
  location: string;
  offset: number;
  /** The tensor's byte size (dims × element size), which a declared `length` must equal. */
  length: number;
}

/** The slice of a tensor's external data; `what` names the model in the errors. */
export function externalSlice(t: TensorProto, what: string): ExternalSlice {
  const entries = new Map((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = entries.get('location');
  if (!location) throw new InvalidModelError(`${what}: tensor '${t.name}' is external but names no file.`);
  const length = tensorBytes(t, what);
  const offset = byteCount(entries.get('offset') ?? '0', 'offset', t, what);
  const declared = entries.get('length');
  if (declared !== undefined && byteCount(declared, 'length', t, what) !== length)
    throw new InvalidModelError(
      `${what}: tensor '${t.name}' declares ${declared} bytes of external data in '${location}', but its shape ` +
        `[${(t.dims ?? []).map(toNum).join(', ')}] of ${typeName(t.data_type)} needs ${length}; export the model again.`,
    );
  return { location, offset, length };
}

/** dims × element size, refused past 2^53 so the arithmetic stays exact. */
function tensorBytes(t: TensorProto, what: string): number {
  const bits = BITS[t.data_type ?? 0];
  if (bits === undefined)
    throw new InvalidModelError(
      `${what}: tensor '${t.name}' keeps ${typeName(t.data_type)} data externally, which gcam cannot read.`,
    );
  let count = 1;
  for (const d of (t.dims ?? []).map(toNum)) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw new InvalidModelError(`${what}: tensor '${t.name}' has an invalid dimension ${d}.`);
    count *= d;
    if (!Number.isSafeInteger(count * bits)) throw new InvalidModelError(`${what}: tensor '${t.name}' is impossibly large.`);
  }
  return Math.ceil((count * bits) / 8);
}

function byteCount(text: string, key: string, t: TensorProto, what: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw new InvalidModelError(`${what}: tensor '${t.name}' has external data ${key} '${text}', which is not a byte count.`);
  return n;
}

function typeName(dataType: number | undefined): string {
  return DATA_TYPE_NAME[dataType ?? 0] ?? `data type ${dataType ?? 0}`;
}
