/**
 * GraphBuilder collects new nodes, initializers, inputs and outputs to append to a model (see append.ts), with
 * collision-free names, and emits opset-appropriate forms of the ops whose signature changed across opsets
 * (axes and slice bounds moved from attributes to inputs), so gradient rules need not care.
 */
import { AttrType, DataType } from './schema.js';
import { makeTensor } from './tensor.js';
import type { AttributeProto, NodeProto, TensorProto, ValueInfoProto } from './types.js';

/** An attribute value: a number is an INT, number[] INTS, string STRING; wrap floats explicitly. */
export type AttrValue = number | number[] | string | { f: number } | { floats: number[] } | { t: TensorProto };

export interface GraphFragment {
  nodes: NodeProto[];
  initializers: TensorProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
}

export class GraphBuilder implements GraphFragment {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private readonly used: Set<string>;
  private readonly constCache = new Map<string, string>();

  /**
   * @param opset the ai.onnx opset the emitted nodes must conform to
   * @param usedNames names already taken in the model
   */
  constructor(
    public opset: number,
    usedNames: Iterable<string> = [],
    private readonly prefix = 'gcam',
  ) {
    this.used = new Set(usedNames);
  }

  /** A fresh name `<prefix>/<base>`, suffixed when taken. */
  name(base: string): string {
    const stem = `${this.prefix}/${base}`;
    let n = stem;
    for (let i = 1; this.used.has(n); i++) n = `${stem}_${i}`;
    this.used.add(n);
    return n;
  }

  /** Appends a node and returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}, nOutputs = 1, domain = ''): string[] {
    const outputs = Array.from({ length: nOutputs }, () => this.name(opType));
    const attribute: AttributeProto[] = [];
    for (const [name, v] of Object.entries(attrs)) if (v !== undefined) attribute.push(encodeAttr(name, v));
    this.nodes.push({ name: this.name(`${opType}_node`), op_type: opType, domain, input: inputs, output: outputs, attribute });
    return outputs;
  }

  /** Appends a single-output node and returns its output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue | undefined> = {}): string {
    return this.node(opType, inputs, attrs, 1)[0];
  }

  /** An initializer holding the given values (deduplicated by content). */
  constant(values: ArrayLike<number>, dims: readonly number[], dataType: number = DataType.FLOAT): string {
    const key = `${dataType}|${dims.join(',')}|${Array.prototype.join.call(values, ',')}`;
    const hit = this.constCache.get(key);
    if (hit) return hit;
    const name = this.name('const');
    this.initializers.push(makeTensor(name, dataType, dims, values));
    this.constCache.set(key, name);
    return name;
  }

  int64s(values: readonly number[]): string {
    return this.constant(values, [values.length], DataType.INT64);
  }

  scalar(value: number, dataType: number = DataType.FLOAT): string {
    return this.constant([value], [], dataType);
  }

  /** Takes a name exactly as given (a graph input or output whose name is part of a contract), which must be free. */
  exactName(name: string): string {
    if (this.used.has(name)) throw new Error(`gcam internal: the name '${name}' is already taken`);
    this.used.add(name);
    return name;
  }

  /** Declares `x` as a graph output named exactly `name`, through an Identity. */
  namedOutput(name: string, x: string, elemType: number, dims?: (number | string)[]): void {
    const output = this.exactName(name);
    this.nodes.push({
      name: this.name('Identity_node'),
      op_type: 'Identity',
      domain: '',
      input: [x],
      output: [output],
      attribute: [],
    });
    this.addOutput(output, elemType, dims);
  }

  addInput(name: string, elemType: number, dims: (number | string)[]): void {
    this.inputs.push(valueInfo(name, elemType, dims));
  }

  addOutput(name: string, elemType: number, dims?: (number | string)[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  // ---- ops whose signature depends on the opset ----

  reduceSum(x: string, axes: number[], keepdims: boolean): string {
    if (axes.length === 0) return x;
    if (this.opset >= 13) return this.op('ReduceSum', [x, this.int64s(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op('ReduceSum', [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  /** ReduceMax, ReduceMin or ReduceMean: their axes moved from attribute to input in opset 18 (ReduceSum's in 13). */
  reduce(opType: 'ReduceMax' | 'ReduceMin' | 'ReduceMean', x: string, axes: number[], keepdims: boolean): string {
    if (this.opset >= 18) return this.op(opType, [x, this.int64s(axes)], { keepdims: keepdims ? 1 : 0 });
    return this.op(opType, [x], { axes, keepdims: keepdims ? 1 : 0 });
  }

  unsqueeze(x: string, axes: number[]): string {
    if (this.opset >= 13) return this.op('Unsqueeze', [x, this.int64s(axes)]);
    return this.op('Unsqueeze', [x], { axes });
  }

  squeeze(x: string, axes: number[]): string {
    if (this.opset >= 13) return this.op('Squeeze', [x, this.int64s(axes)]);
    return this.op('Squeeze', [x], { axes });
  }

  /** Slice with static bounds (steps need opset ≥ 10). */
  slice(x: string, starts: number[], ends: number[], axes: number[], steps?: number[]): string {
    if (this.opset >= 10) {
      const ins = [x, this.int64s(starts), this.int64s(ends), this.int64s(axes)];
      if (steps) ins.push(this.int64s(steps));
      return this.op('Slice', ins);
    }
    if (steps && steps.some((s) => s !== 1)) throw new Error('Slice with steps needs opset >= 10');
    return this.op('Slice', [x], { starts, ends, axes });
  }

  /** Constant-mode zero padding; pads = [x1_begin, x2_begin, …, x1_end, x2_end, …]. */
  pad(x: string, pads: number[]): string {
    if (pads.every((p) => p === 0)) return x;
    if (this.opset >= 11) return this.op('Pad', [x, this.int64s(pads)], { mode: 'constant' });
    return this.op('Pad', [x], { pads, mode: 'constant' });
  }

  /** Sum of several tensors (Sum is variadic; a single tensor passes through). */
  sum(xs: string[]): string {
    return xs.length === 1 ? xs[0] : this.op('Sum', xs);
  }

  /** Casts to a data type. */
  cast(x: string, to: number): string {
    return this.op('Cast', [x], { to });
  }
}

function encodeAttr(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('f' in v) return { name, type: AttrType.FLOAT, f: v.f };
  if ('floats' in v) return { name, type: AttrType.FLOATS, floats: v.floats };
  return { name, type: AttrType.TENSOR, t: v.t };
}

function valueInfo(name: string, elemType: number, dims?: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } : {}),
      },
    },
  };
}
