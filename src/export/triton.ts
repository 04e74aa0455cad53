/**
 * The config.pbtxt of a Triton Inference Server model repository entry for an exported model (platform
 * onnxruntime_onnx), in protobuf text format. With max_batch_size > 0 Triton owns the first dimension, so dims leave
 * out the batch, and a tensor that is only [N] (target_class) is declared as [1] reshaped to [] for the model.
 * Platform-free text: the CLI writes it (src/cli/commands/export.ts).
 */
import { InvalidInputError } from '../errors.js';
import { DataType } from '../onnx/schema.js';
import type { ExportedModel } from './export.js';
import type { ExportedTensor } from './signature.js';

const TRITON_TYPE: Record<number, string> = {
  [DataType.FLOAT]: 'TYPE_FP32',
  [DataType.FLOAT16]: 'TYPE_FP16',
  [DataType.DOUBLE]: 'TYPE_FP64',
  [DataType.INT64]: 'TYPE_INT64',
  [DataType.INT32]: 'TYPE_INT32',
  [DataType.INT8]: 'TYPE_INT8',
  [DataType.UINT8]: 'TYPE_UINT8',
  [DataType.BOOL]: 'TYPE_BOOL',
};

/** A model's name is also its folder in the repository: kept to letters, digits, '_', '-' and '.', not starting with a dot. */
export function tritonModelName(stem: string): string {
  const name = stem.replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[.]+/, '_');
  return name || 'model';
}

export function tritonConfig(model: ExportedModel, name: string, maxBatchSize: number): string {
  if (!(Number.isInteger(maxBatchSize) && maxBatchSize >= 1))
    throw new InvalidInputError(`The Triton max_batch_size must be a positive integer; got ${maxBatchSize}.`);
  const lines = [
    `name: "${name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${maxBatchSize}`,
    `input [\n${model.inputs.map(tensorEntry).join(',\n')}\n]`,
    `output [\n${model.outputs.map(tensorEntry).join(',\n')}\n]`,
    'dynamic_batching { }',
  ];
  return lines.join('\n') + '\n';
}

function tensorEntry(t: ExportedTensor): string {
  const type = TRITON_TYPE[t.elemType];
  if (!type) throw new InvalidInputError(`The tensor '${t.name}' has ONNX type ${t.elemType}, which Triton has no type for.`);
  // Without a declared shape only the batch is known: one dynamic dimension after it.
  const dims = t.dims ? t.dims.slice(1).map((d) => (typeof d === 'number' ? d : -1)) : [-1];
  const fields = [`    name: "${t.name}"`, `    data_type: ${type}`];
  if (dims.length === 0) fields.push('    dims: [ 1 ]', '    reshape: { shape: [ ] }');
  else fields.push(`    dims: [ ${dims.join(', ')} ]`);
  return `  {\n${fields.join('\n')}\n  }`;
}
