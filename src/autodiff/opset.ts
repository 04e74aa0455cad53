/**
 * Raising a model's ai.onnx opset (needed by some gradient rules, e.g. MaxPool's ScatterElements with reduction)
 * reinterprets every existing node under the new opset. This finds the nodes whose meaning or signature would change,
 * so gcam refuses to raise rather than silently altering the user's model.
 */
import type { GraphView } from '../onnx/graph.js';
import type { TensorMeta } from './probe.js';

interface Change {
  /** First opset with the new form. */
  since: number;
  /** True when this node's use is affected by the change. */
  affected(node: import('../onnx/graph.js').NodeView, meta: Map<string, TensorMeta>): boolean;
  why: string;
}

const hasAttr = (a: string) => (n: import('../onnx/graph.js').NodeView) => n.has(a);

/** Softmax-like ops before 13 flatten to 2-D at `axis`; same result only when every dim after `axis` is 1. */
const coercedSoftmax: Change = {
  since: 13,
  affected: (n, meta) => {
    const dims = meta.get(n.inputs[0])?.dims;
    if (!dims) return true;
    const axis = n.int('axis', 1);
    const a = axis < 0 ? axis + dims.length : axis;
    return dims.slice(a + 1).some((d) => d !== 1);
  },
  why: 'opset 13 changed its axis semantics',
};

const CHANGES: Record<string, Change[]> = {
  Clip: [{ since: 11, affected: (n) => n.has('min') || n.has('max'), why: 'min/max became inputs in opset 11' }],
  Pad: [{ since: 11, affected: hasAttr('pads'), why: 'pads became an input in opset 11' }],
  Slice: [{ since: 10, affected: hasAttr('starts'), why: 'starts/ends became inputs in opset 10' }],
  Squeeze: [{ since: 13, affected: hasAttr('axes'), why: 'axes became an input in opset 13' }],
  Unsqueeze: [{ since: 13, affected: hasAttr('axes'), why: 'axes became an input in opset 13' }],
  ReduceSum: [{ since: 13, affected: hasAttr('axes'), why: 'axes became an input in opset 13' }],
  Split: [{ since: 13, affected: hasAttr('split'), why: 'split became an input in opset 13' }],
  TopK: [{ since: 10, affected: hasAttr('k'), why: 'k became an input in opset 10' }],
  Dropout: [{ since: 12, affected: hasAttr('ratio'), why: 'ratio became an input in opset 12' }],
  BatchNormalization: [{ since: 9, affected: hasAttr('spatial'), why: "the 'spatial' attribute was removed in opset 9" }],
  Upsample: [{ since: 10, affected: () => true, why: 'Upsample was removed in opset 10' }],
  Resize: [{ since: 11, affected: () => true, why: 'its inputs changed in opset 11' }],
  Scatter: [{ since: 11, affected: () => true, why: 'Scatter was removed in opset 11' }],
  Softmax: [coercedSoftmax],
  LogSoftmax: [coercedSoftmax],
  Hardmax: [coercedSoftmax],
};

export interface OpsetBlocker {
  node: string;
  opType: string;
  why: string;
}

/** Nodes of the model that would change meaning if its opset went from `from` to `to`. */
export function opsetRaiseBlockers(view: GraphView, from: number, to: number, meta: Map<string, TensorMeta>): OpsetBlocker[] {
  const out: OpsetBlocker[] = [];
  for (const n of view.nodes) {
    if (n.domain !== '') continue;
    for (const c of CHANGES[n.opType] ?? []) {
      if (c.since > from && c.since <= to && c.affected(n, meta)) out.push({ node: n.name, opType: n.opType, why: c.why });
    }
  }
  return out;
}

/** Minimum IR version for an opset (onnx/helper.py VERSION_TABLE). */
export function minIrVersion(opset: number): number {
  const table: [number, number][] = [
    [21, 10],
    [19, 9],
    [15, 8],
    [12, 7],
    [11, 6],
    [10, 5],
    [9, 4],
  ];
  return table.find(([since]) => opset >= since)?.[1] ?? 3;
}
