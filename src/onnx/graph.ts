/**
 * A read-only view over a decoded graph: nodes in topological order, producers and consumers of each tensor,
 * constants (initializers and Constant nodes), and the real (non-initializer) inputs and outputs.
 */
import { AttrType, DataType } from './schema.js';
import { readTensor, type ConstTensor } from './tensor.js';
import {
  toNum,
  type AttributeProto,
  type DimProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from './types.js';
import { opsetOf } from './decode.js';
import { InvalidModelError } from '../errors.js';

export class NodeView {
  readonly attrs: Map<string, AttributeProto>;
  constructor(
    readonly proto: NodeProto,
    /** Position in the original node list. */
    readonly index: number,
    /** The node's name, or a stable synthesized one (`<OpType>_<index>`) when the model leaves it empty. */
    readonly name: string,
  ) {
    this.attrs = new Map((proto.attribute ?? []).map((a) => [a.name ?? '', a]));
  }
  get opType(): string {
    return this.proto.op_type ?? '';
  }
  get domain(): string {
    const d = this.proto.domain ?? '';
    return d === 'ai.onnx' ? '' : d;
  }
  /** Input names; '' marks an omitted optional input. */
  get inputs(): string[] {
    return this.proto.input ?? [];
  }
  get outputs(): string[] {
    return this.proto.output ?? [];
  }
  has(attr: string): boolean {
    return this.attrs.has(attr);
  }
  int(attr: string, def: number): number {
    const a = this.attrs.get(attr);
    return a ? toNum(a.i) : def;
  }
  ints(attr: string): number[] | undefined {
    const a = this.attrs.get(attr);
    return a ? (a.ints ?? []).map(toNum) : undefined;
  }
  float(attr: string, def: number): number {
    const a = this.attrs.get(attr);
    return a ? (a.f ?? 0) : def;
  }
  floats(attr: string): number[] | undefined {
    const a = this.attrs.get(attr);
    return a ? [...(a.floats ?? [])] : undefined;
  }
  string(attr: string, def: string): string {
    const a = this.attrs.get(attr);
    return a?.s ? new TextDecoder().decode(a.s) : def;
  }
  tensor(attr: string): TensorProto | undefined {
    const a = this.attrs.get(attr);
    return a && (a.type === AttrType.TENSOR || a.t) ? a.t : undefined;
  }
}

export interface TensorInfo {
  name: string;
  elemType: number;
  /** Dimensions; a string is a symbolic dimension (e.g. 'batch'), null an unknown one. */
  dims: (number | string | null)[] | undefined;
}

export class GraphView {
  readonly nodes: NodeView[];
  readonly producer = new Map<string, NodeView>();
  readonly consumers = new Map<string, NodeView[]>();
  readonly initializers = new Map<string, TensorProto>();
  /** Graph inputs that are not initializers: what the user feeds. */
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** The ai.onnx opset the model imports. */
  readonly opset: number;
  private readonly constCache = new Map<string, ConstTensor | null>();
  private readonly valueInfo = new Map<string, ValueInfoProto>();

  constructor(readonly model: ModelProto) {
    const g = model.graph!;
    for (const t of g.initializer ?? []) this.initializers.set(t.name ?? '', t);
    this.opset = opsetOf(model, '');
    this.inputs = (g.input ?? []).filter((v) => !this.initializers.has(v.name ?? '')).map(infoOf);
    this.outputs = (g.output ?? []).map(infoOf);
    for (const v of [...(g.value_info ?? []), ...(g.input ?? []), ...(g.output ?? [])]) this.valueInfo.set(v.name ?? '', v);
    const raw = (g.node ?? []).map((n, i) => new NodeView(n, i, n.name || `${n.op_type ?? 'node'}_${i}`));
    this.nodes = topoSort(raw, new Set([...this.initializers.keys(), ...this.inputs.map((i) => i.name)]));
    for (const n of this.nodes) {
      for (const o of n.outputs) if (o) this.producer.set(o, n);
      for (const i of n.inputs) {
        if (!i) continue;
        let list = this.consumers.get(i);
        if (!list) this.consumers.set(i, (list = []));
        if (!list.includes(n)) list.push(n);
      }
    }
  }

  /** The value of a tensor known when the model is built (initializer or Constant node output), else undefined. */
  constant(name: string): ConstTensor | undefined {
    if (!name) return undefined;
    const cached = this.constCache.get(name);
    if (cached !== undefined) return cached ?? undefined;
    let t: TensorProto | undefined = this.initializers.get(name);
    if (!t) {
      const p = this.producer.get(name);
      if (p && p.opType === 'Constant' && p.domain === '') t = constantNodeTensor(p);
    }
    const value = t ? readTensor(t) : null;
    this.constCache.set(name, value);
    return value ?? undefined;
  }

  /** Element type declared for a tensor (value_info, inputs, outputs, initializers), if the model says. */
  declaredElemType(name: string): number | undefined {
    const init = this.initializers.get(name);
    if (init) return init.data_type;
    return this.valueInfo.get(name)?.type?.tensor_type?.elem_type;
  }

  /** Every name already used by a tensor or node, so a builder can avoid collisions. */
  usedNames(): Set<string> {
    const s = new Set<string>(this.initializers.keys());
    for (const i of this.inputs) s.add(i.name);
    for (const n of this.nodes) {
      s.add(n.name);
      for (const t of [...n.inputs, ...n.outputs]) if (t) s.add(t);
    }
    return s;
  }
}

function constantNodeTensor(n: NodeView): TensorProto | undefined {
  const t = n.tensor('value');
  if (t) return t;
  const f = n.attrs.get('value_float');
  if (f) return { dims: [], data_type: DataType.FLOAT, float_data: [f.f ?? 0] };
  const fs = n.attrs.get('value_floats');
  if (fs) return { dims: [fs.floats?.length ?? 0], data_type: DataType.FLOAT, float_data: fs.floats ?? [] };
  const i = n.attrs.get('value_int');
  if (i) return { dims: [], data_type: DataType.INT64, int64_data: [i.i ?? 0] };
  const is = n.attrs.get('value_ints');
  if (is) return { dims: [is.ints?.length ?? 0], data_type: DataType.INT64, int64_data: is.ints ?? [] };
  return undefined;
}

function infoOf(v: ValueInfoProto): TensorInfo {
  const tt = v.type?.tensor_type;
  return {
    name: v.name ?? '',
    elemType: tt?.elem_type ?? 0,
    dims: tt?.shape?.dim?.map((d: DimProto) =>
      d.dim_value !== undefined && d.dim_value !== null && toNum(d.dim_value) > 0 ? toNum(d.dim_value) : (d.dim_param ?? null),
    ),
  };
}

/** Kahn's algorithm, stable with respect to the original order (ONNX requires sorted nodes; not every exporter complies). */
function topoSort(nodes: NodeView[], available: Set<string>): NodeView[] {
  const producerOf = new Map<string, NodeView>();
  for (const n of nodes) for (const o of n.outputs) if (o) producerOf.set(o, n);
  const pending = new Map<NodeView, number>();
  const waiting = new Map<string, NodeView[]>();
  for (const n of nodes) {
    let count = 0;
    for (const i of new Set(n.inputs)) {
      if (!i || available.has(i) || !producerOf.has(i)) continue;
      count++;
      let w = waiting.get(i);
      if (!w) waiting.set(i, (w = []));
      w.push(n);
    }
    pending.set(n, count);
  }
  const ready = nodes.filter((n) => pending.get(n) === 0);
  const out: NodeView[] = [];
  // A min-heap would be asymptotically nicer; graphs are small enough that a sorted insert is fine.
  while (ready.length) {
    const n = ready.shift()!;
    out.push(n);
    for (const o of n.outputs) {
      for (const c of waiting.get(o) ?? []) {
        const left = pending.get(c)! - 1;
        pending.set(c, left);
        if (left === 0) {
          let k = 0;
          while (k < ready.length && ready[k].index < c.index) k++;
          ready.splice(k, 0, c);
        }
      }
    }
  }
  if (out.length !== nodes.length)
    throw new InvalidModelError('The model graph has a cycle or a node whose input is never produced.');
  return out;
}
