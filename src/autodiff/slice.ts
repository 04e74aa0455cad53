/**
 * Which part of the graph to differentiate: the nodes on some path from a target tensor to the score tensor.
 * Gradients never flow into weights (initializers, Constant outputs) nor through ops whose outputs are integer or
 * boolean by definition (Shape, comparisons…), so shape-computing subgraphs of PyTorch exports stay out of the slice.
 */
import type { GraphView, NodeView } from '../onnx/graph.js';

/** Ops with no gradient at all: their outputs are integers/booleans or do not depend on input values. */
export const NON_DIFFERENTIABLE_OPS = new Set([
  'Shape',
  'Size',
  'ArgMax',
  'ArgMin',
  'NonZero',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'And',
  'Or',
  'Xor',
  'Not',
  'IsNaN',
  'IsInf',
  'ConstantOfShape',
  'EyeLike',
  'RandomNormalLike',
  'RandomUniformLike',
  'Multinomial',
  'Bernoulli',
]);

export interface PathSlice {
  /** Tensors that depend on a target (through differentiable ops). */
  forward: Set<string>;
  /** Tensors the score(s) depend on. */
  backward: Set<string>;
  /** Nodes on a target → score path, in topological order. */
  nodes: NodeView[];
}

export function slicePath(view: GraphView, targets: readonly string[], scores: string | readonly string[]): PathSlice {
  const forward = new Set<string>(targets);
  for (const n of view.nodes) {
    if (n.domain === '' && NON_DIFFERENTIABLE_OPS.has(n.opType)) continue;
    if (n.inputs.some((i) => i && forward.has(i))) for (const o of n.outputs) if (o) forward.add(o);
  }
  const backward = new Set<string>(typeof scores === 'string' ? [scores] : scores);
  for (let k = view.nodes.length - 1; k >= 0; k--) {
    const n = view.nodes[k];
    if (n.outputs.some((o) => o && backward.has(o))) for (const i of n.inputs) if (i) backward.add(i);
  }
  const nodes = view.nodes.filter(
    (n) =>
      !(n.domain === '' && NON_DIFFERENTIABLE_OPS.has(n.opType)) &&
      n.inputs.some((i) => i && forward.has(i)) &&
      n.outputs.some((o) => o && backward.has(o)),
  );
  return { forward, backward, nodes };
}
