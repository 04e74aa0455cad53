/**
 * The declared inputs and outputs of an exported model. A server batches requests (Triton's dynamic batching), so the
 * batch dimension must be dynamic; a model that declares a fixed batch (SqueezeNet 1.1 of the ONNX zoo: [1, 3, 224,
 * 224]) gets its inputs and outputs declared again with a symbolic one (export.ts checks that the model really runs at
 * another batch). Old models (IR < 4) also list their initializers among the graph inputs, which under the raised IR
 * version would become inputs a caller may override; declared again, only the real inputs remain.
 */
import type { GraphView, TensorInfo } from '../onnx/graph.js';
import type { ModelProto, ValueInfoProto } from '../onnx/types.js';

export interface ExportedTensor {
  name: string;
  elemType: number;
  /** Dimensions, batch first; a string is symbolic, null unknown, undefined when the model declares no shape. */
  dims: (number | string | null)[] | undefined;
}

export interface ExportedIo {
  /** The batch dimension every input and output declares. */
  batch: string;
  /** True when the graph's inputs and outputs must be declared again (see append.ts replaceGraphIo). */
  replace: boolean;
  /** The declared batch the model fixed, when it fixed one. */
  fixedBatch?: number;
  /** True when the image input fixes its height and width. */
  fixedSize: boolean;
  inputs: ExportedTensor[];
  outputs: ExportedTensor[];
  valueInfo(t: ExportedTensor): ValueInfoProto;
}

export function exportedIo(view: GraphView, proto: ModelProto): ExportedIo {
  const image = view.inputs[0];
  const declared = image.dims?.[0];
  const fixedBatch = typeof declared === 'number' ? declared : undefined;
  const batch = typeof declared === 'string' && declared ? declared : 'N';
  const initializerInputs = (proto.graph?.input ?? []).length > view.inputs.length;
  const dynamic = (t: TensorInfo): ExportedTensor => ({
    name: t.name,
    elemType: t.elemType,
    dims: t.dims && fixedBatch !== undefined && t.dims[0] === fixedBatch ? [batch, ...t.dims.slice(1)] : t.dims,
  });
  return {
    batch,
    replace: fixedBatch !== undefined || initializerInputs,
    fixedBatch,
    fixedSize: typeof image.dims?.[2] === 'number' && typeof image.dims?.[3] === 'number',
    inputs: view.inputs.map(dynamic),
    outputs: view.outputs.map(dynamic),
    valueInfo: ({ name, elemType, dims }) => ({
      name,
      type: {
        tensor_type: {
          elem_type: elemType,
          ...(dims
            ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : d ? { dim_param: d } : {})) } }
            : {}),
        },
      },
    }),
  };
}
