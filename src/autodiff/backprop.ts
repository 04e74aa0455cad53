/**
 * Reverse-mode differentiation over a path slice: visit the slice's nodes in reverse topological order, sum the
 * gradients arriving at each tensor from its consumers (fan-out), and let each op's VJP rule emit the nodes that carry
 * the gradient to its inputs. Unsupported ops are all collected before anything is emitted.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import type { GraphView, NodeView } from '../onnx/graph.js';
import { DataType } from '../onnx/schema.js';
import type { UnsupportedOp } from '../errors.js';
import { ruleFor, type RuleVariant } from '../vjp/registry.js';
import type { RuleContext, VjpContext } from '../vjp/types.js';
import type { TensorMeta } from './probe.js';
import type { PathSlice } from './slice.js';

export function ruleContext(view: GraphView, node: NodeView, meta: Map<string, TensorMeta>, opset: number): RuleContext {
  return {
    node,
    graph: view,
    opset,
    shape(t) {
      const m = meta.get(t);
      if (m) return m.dims;
      const c = view.constant(t);
      if (c) return c.dims;
      throw new Error(`gcam internal: no shape measured for tensor '${t}'`);
    },
    elemType(t) {
      return meta.get(t)?.elemType ?? view.constant(t)?.dataType ?? view.declaredElemType(t) ?? DataType.FLOAT;
    },
    constant: (t) => view.constant(t),
  };
}

/** Ops of the slice without a usable rule. */
export function findUnsupported(
  view: GraphView,
  slice: PathSlice,
  meta: Map<string, TensorMeta>,
  variant: RuleVariant = 'standard',
): UnsupportedOp[] {
  const out: UnsupportedOp[] = [];
  for (const node of slice.nodes) {
    const rule = node.domain === '' ? ruleFor(node.opType, variant) : undefined;
    if (!rule) {
      out.push({ opType: node.opType, domain: node.domain, node: node.name });
      continue;
    }
    const reason = rule.check?.(ruleContext(view, node, meta, view.opset));
    if (reason) out.push({ opType: node.opType, domain: node.domain, node: node.name, reason });
  }
  return out;
}

/** The opset the backward graph needs (the model's unless a rule asks for more) and the nodes asking for more. */
export function requiredOpset(
  view: GraphView,
  slice: PathSlice,
  meta: Map<string, TensorMeta>,
  variant: RuleVariant = 'standard',
): { opset: number; raisedBy: NodeView[] } {
  let opset = view.opset;
  const raisedBy: NodeView[] = [];
  for (const node of slice.nodes) {
    const need = ruleFor(node.opType, variant)?.minOpset?.(ruleContext(view, node, meta, view.opset)) ?? 0;
    if (need > view.opset) {
      opset = Math.max(opset, need);
      raisedBy.push(node);
    }
  }
  return { opset, raisedBy };
}

/**
 * Emits the backward graph into `b`. `seed` is d(score)/d(scoreTensor). Returns, per target, the name of its
 * gradient tensor, or null when no gradient reaches it (every path goes through ops with zero gradient).
 */
export function backprop(
  view: GraphView,
  slice: PathSlice,
  meta: Map<string, TensorMeta>,
  b: GraphBuilder,
  scoreTensor: string,
  seed: string,
  targets: readonly string[],
  variant: RuleVariant = 'standard',
): (string | null)[] {
  const grads = new Map<string, string[]>([[scoreTensor, [seed]]]);
  const shapeCache = new Map<string, string>();
  const gradOf = (t: string): string | null => {
    const list = grads.get(t);
    if (!list || list.length === 0) return null;
    const s = b.sum(list);
    grads.set(t, [s]);
    return s;
  };
  for (let k = slice.nodes.length - 1; k >= 0; k--) {
    const node = slice.nodes[k];
    const gy = node.outputs.map((o) => (o ? gradOf(o) : null));
    if (gy.every((g) => g === null)) continue;
    const base = ruleContext(view, node, meta, b.opset);
    const ctx: VjpContext = {
      ...base,
      b,
      gy,
      needs: node.inputs.map((i) => !!i && slice.forward.has(i)),
      shapeOf(t) {
        let s = shapeCache.get(t);
        if (!s) shapeCache.set(t, (s = b.op('Shape', [t])));
        return s;
      },
      scalarLike: (v, like) => b.scalar(v, base.elemType(like)),
      constantLike: (values, dims, like) => b.constant(values, dims, base.elemType(like)),
    };
    const gx = ruleFor(node.opType, variant)!.backward(ctx);
    node.inputs.forEach((input, i) => {
      const g = gx[i];
      if (!g || !ctx.needs[i]) return;
      let list = grads.get(input);
      if (!list) grads.set(input, (list = []));
      list.push(g);
    });
  }
  return targets.map((t) => gradOf(t));
}
