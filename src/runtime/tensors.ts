/** Float32Array ⇄ engine tensors of the model's element type (float16 and float64 models take their own type). */
import { DataType } from '../onnx/schema.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../onnx/tensor.js';
import type { RtTensor } from './types.js';

export function toRt(data: Float32Array, dims: number[], elemType: number): RtTensor {
  if (elemType === DataType.FLOAT16) return { type: 'float16', dims, data: float32ArrayToFloat16(data) };
  if (elemType === DataType.DOUBLE) return { type: 'float64', dims, data: Float64Array.from(data) };
  return { type: 'float32', dims, data };
}

export function toF32(t: RtTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.type === 'float16') return float16ArrayToFloat32(t.data as Uint16Array);
  return Float32Array.from(t.data as ArrayLike<number>);
}

/** Zero rows appended so a batch of n fills a model's fixed batch dimension. */
export function padRows(data: Float32Array, n: number, rows: number): Float32Array {
  if (n === rows) return data;
  const padded = new Float32Array((data.length / n) * rows);
  padded.set(data);
  return padded;
}
