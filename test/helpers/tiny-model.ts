/** Builds small ONNX models in tests (encoded with the same schema gcam decodes with). */
import { ModelProtoType } from '../../src/onnx/schema.js';
import { makeTensor } from '../../src/onnx/tensor.js';
import type { NodeProto, TensorProto } from '../../src/onnx/types.js';
import { DataType } from '../../src/onnx/schema.js';

export interface TinySpec {
  inputs: { name: string; dims: (number | string)[]; elemType?: number }[];
  outputs: string[];
  nodes: { op: string; inputs: string[]; outputs: string[]; name?: string; attrs?: Record<string, number | number[]> }[];
  initializers?: { name: string; dims: number[]; values: number[]; dataType?: number }[];
  opset?: number;
}

export function tinyModel(spec: TinySpec): Uint8Array {
  const vi = (name: string, elemType: number, dims?: (number | string)[]) => ({
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}),
      },
    },
  });
  const nodes: NodeProto[] = spec.nodes.map((n, i) => ({
    name: n.name ?? `${n.op}_${i}`,
    op_type: n.op,
    input: n.inputs,
    output: n.outputs,
    attribute: Object.entries(n.attrs ?? {}).map(([name, v]) =>
      Array.isArray(v) ? { name, type: 7, ints: v } : { name, type: 2, i: v },
    ),
  }));
  const initializer: TensorProto[] = (spec.initializers ?? []).map((t) =>
    makeTensor(t.name, t.dataType ?? DataType.FLOAT, t.dims, t.values),
  );
  const model = {
    ir_version: 8,
    producer_name: 'gcam-test',
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer,
      input: spec.inputs.map((i) => vi(i.name, i.elemType ?? DataType.FLOAT, i.dims)),
      output: spec.outputs.map((o) => vi(o, DataType.FLOAT)),
    },
  };
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

/**
 * The tiny 3-D classifier the volume tests run: [N, 1, D, H, W] → Conv 3³ (2 filters, pad 1) → Relu →
 * GlobalAveragePool → Flatten → Gemm (2 classes), fixed weights. `spatial`: the D, H, W dims (names for free axes).
 */
export function tinyVolumeModel(spatial: (number | string)[]): Uint8Array {
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, ...spatial] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fc'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: [
      { name: 'w', dims: [2, 1, 3, 3, 3], values: Array.from({ length: 54 }, (_, i) => Math.cos(i * 0.9)) },
      { name: 'fc', dims: [2, 2], values: [1, -1, -0.5, 0.8] },
    ],
  });
}
