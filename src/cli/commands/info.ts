/** `gcam info`: a model's inputs and outputs (shape, element type), opset and op counts, flagging the ops gcam has no gradient rule for. */
import { GraphView, loadModel, supportedOps } from '../../node.js';
import type { NodeView } from '../../onnx/graph.js';
import { dtypeName } from '../../onnx/schema.js';
import { NON_DIFFERENTIABLE_OPS } from '../../autodiff/slice.js';
import { USAGE_HINT, UsageError, type Parsed } from '../args.js';

export function cmdInfo(p: Parsed): number {
  const path = p.rest[0] ?? p.values.model;
  if (!path) throw new UsageError(`gcam info needs a model.\n${USAGE_HINT}`);
  const view = new GraphView(loadModel(path).proto);
  // An undeclared shape is not a scalar's [].
  const dims = (d: (number | string | null)[] | undefined) =>
    d ? `[${d.map((x) => x ?? '?').join(', ')}]` : '(no shape declared)';
  console.log(`opset ${view.opset}, ${view.nodes.length} nodes, ${view.initializers.size} initializers`);
  for (const i of view.inputs) console.log(`input  ${i.name} ${dims(i.dims)} ${dtypeName(i.elemType)}`);
  for (const o of view.outputs) console.log(`output ${o.name} ${dims(o.dims)} ${dtypeName(o.elemType)}`);
  const counts = new Map<string, number>();
  const noRule = new Set<string>();
  const rules = new Set(supportedOps());
  for (const n of view.nodes) {
    const k = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (carriesGradient(n) && !(n.domain === '' && rules.has(n.opType))) noRule.add(k);
  }
  console.log('ops:');
  for (const [op, c] of [...counts].sort((a, b) => b[1] - a[1]))
    console.log(`  ${op} ×${c}${noRule.has(op) ? '  (no gradient rule)' : ''}`);
  return 0;
}

/**
 * Whether a gradient could flow through the node, as the engine slices the graph (autodiff/slice.ts): not through
 * the ops it never differentiates (Shape, comparisons…), and not through a node without inputs (Constant).
 */
function carriesGradient(n: NodeView): boolean {
  return !(n.domain === '' && NON_DIFFERENTIABLE_OPS.has(n.opType)) && n.inputs.some(Boolean);
}
