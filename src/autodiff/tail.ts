/**
 * The tail model: the part of the user's model from a target layer to the scores, runnable on activations fed from
 * outside (Ablation-CAM runs it on copies of A with one channel zeroed). Append-only like the explain model: the
 * nodes downstream of the layer are *duplicated* under new names, their use of the layer's tensor rewired to a new
 * graph input, so the user's nodes and weights stay untouched; the duplicates refer to the same initializers.
 * The duplicates may read upstream tensors (e.g. a residual branch that bypasses the layer): then the image input is
 * needed (`needsImage`). onnxruntime runs every node of the session whatever is fetched, so the tail model drops the
 * user's nodes but for the ones the copies read (see compileTailModel). Where one of those cannot be copied the
 * user's graph stays whole, and a tail that does not need the image is fed an empty image batch
 * (runtime/tail-session.ts).
 */
import { appendToModel } from '../onnx/append.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { DecodedModel } from '../onnx/decode.js';
import { GraphView, type NodeView } from '../onnx/graph.js';
import type { NodeProto } from '../onnx/types.js';
import { InvalidInputError, LayerNotOnPathError, UnsupportedOpError } from '../errors.js';
import type { Runtime } from '../runtime/types.js';
import { imageInput, outputOf, scoreTensorOf, type OutputActivation } from './rewrite.js';
import { probeTensors } from './probe.js';

export interface TailOptions {
  /** Tensor name of the layer whose values are fed. */
  target: string;
  output?: string;
  useProbabilities?: boolean;
  /** [N, C, H, W] of the image input, for the probe run. */
  inputShape: readonly number[];
}

export interface TailModel {
  bytes: Uint8Array;
  /** The image input (fed when `takesImage`; it only matters when `needsImage`). */
  imageName: string;
  /**
   * Whether the model has the image input: the user's nodes are dropped (only those the copies read are re-emitted),
   * and with them the image input unless a branch that bypasses the layer reads it.
   */
  takesImage: boolean;
  imageElemType: number;
  /** The new input carrying the layer's values, [M, ...layer dims without batch]. */
  activationName: string;
  activationDims: number[];
  activationElemType: number;
  /** Output [M, numClasses]: the scores computed from the fed activations. */
  scoresName: string;
  numClasses: number;
  outputActivation: OutputActivation;
  /** True when the tail also reads tensors computed from the image that bypass the layer (skip connections). */
  needsImage: boolean;
  /** True when the tail has convolutions (Conv, ConvTranspose): it chooses the session's layout optimisation. */
  convolves: boolean;
}

export async function compileTailModel(
  runtime: Runtime,
  model: DecodedModel,
  options: TailOptions,
  view = new GraphView(model.proto),
): Promise<TailModel> {
  const image = imageInput(view);
  const outputName = outputOf(view, options.output);
  const { scoreTensor, outputActivation } = scoreTensorOf(view, outputName, options.useProbabilities);
  const target = options.target;
  if (target === image.name) throw new InvalidInputError(`The tail of the model input '${target}' is the whole model.`);

  // Nodes downstream of the target (every op, Shape included: the tail must compute, not differentiate) that the
  // score depends on.
  const downstream = new Set<string>([target]);
  const needed = new Set<string>([scoreTensor]);
  for (const n of view.nodes)
    if (n.inputs.some((i) => i && downstream.has(i))) for (const o of n.outputs) if (o) downstream.add(o);
  for (let k = view.nodes.length - 1; k >= 0; k--) {
    const n = view.nodes[k];
    if (n.outputs.some((o) => o && needed.has(o))) for (const i of n.inputs) if (i) needed.add(i);
  }
  if (!needed.has(target)) throw new LayerNotOnPathError(target, outputName);
  const tailNodes = view.nodes.filter(
    (n) => n.inputs.some((i) => i && downstream.has(i)) && n.outputs.some((o) => o && needed.has(o)),
  );
  // Nodes whose attributes gcam cannot copy (isCopyable) are refused rather than silently changed.
  const uncopyable = tailNodes.filter((n) => !isCopyable(n));
  if (uncopyable.length)
    throw new UnsupportedOpError(
      uncopyable.map((n) => ({
        opType: n.opType,
        domain: n.domain,
        node: n.name,
        reason: 'it has subgraph or sparse attributes, which gcam cannot copy to re-run the layers after the target',
      })),
      [],
    );

  const meta = await probeTensors(runtime, model, view, { [image.name]: options.inputShape }, new Set([target, scoreTensor]));
  const targetMeta = meta.get(target)!;
  const scoreMeta = meta.get(scoreTensor)!;

  const b = new GraphBuilder(view.opset, view.usedNames(), 'gcam/tail');
  const activationName = b.name('activation');
  const activationDims = ['M', ...targetMeta.dims.slice(1)] as (number | string)[];
  b.addInput(activationName, targetMeta.elemType, activationDims);
  const renamed = new Map<string, string>([[target, activationName]]);
  let needsImage = false;
  for (const n of tailNodes) {
    const input = n.inputs.map((i) => {
      if (!i) return i;
      const r = renamed.get(i);
      if (r) return r;
      if (!view.initializers.has(i) && !isConstant(view, i)) needsImage = true;
      return i;
    });
    const output = n.outputs.map((o) => {
      if (!o) return o;
      const r = b.name(o.replace(/^\/+/, ''));
      renamed.set(o, r);
      return r;
    });
    const copy: NodeProto = { ...n.proto, name: b.name(`${n.name}_tail`), input, output };
    b.nodes.push(copy);
  }
  const numClasses = scoreMeta.dims.slice(1).reduce((a, d) => a * d, 1);
  const scoresName = b.op('Reshape', [renamed.get(scoreTensor) ?? scoreTensor, b.int64s([0, -1])]);
  b.addOutput(scoresName, scoreMeta.elemType, ['M', numClasses]);
  // The user's nodes dropped, but for those the copies read (Constant nodes, a branch that bypasses the layer),
  // re-emitted first, as they are: onnxruntime runs every node of a session, and even on an empty image batch the
  // user's ~120 nodes of ResNet-50 cost 0.25–0.6 ms of each run of its layer4 tail (avgpool + fc, 32 copies: 3.5
  // against 3.7 ms at 'extended', 8.4 against 9.0 at 'all'); its session opens in ~20 ms instead of 260–740 ms, and
  // holds only the weights of the tail. Nodes gcam cannot copy keep the user's graph whole.
  const upstream = upstreamNodes(view, tailNodes, downstream);
  const prune = upstream.every(isCopyable);
  if (prune) b.nodes.unshift(...upstream.map((n) => n.proto));
  const reads = new Set(b.nodes.flatMap((n) => n.input ?? []));
  return {
    bytes: appendToModel(model.bytes, model.proto, b, prune ? { dropNodes: { reads } } : {}),
    takesImage: !prune || reads.has(image.name),
    convolves: tailNodes.some((n) => n.domain === '' && /^Conv(Transpose)?$/.test(n.opType)),
    imageName: image.name,
    imageElemType: image.elemType,
    activationName,
    activationDims: targetMeta.dims.slice(1),
    activationElemType: targetMeta.elemType,
    scoresName,
    numClasses,
    outputActivation,
    needsImage,
  };
}

/**
 * gcam's schema subset reads float/int/string/tensor attributes; a copy of a node with other kinds (subgraphs of
 * If/Loop, sparse tensors) would lose them.
 */
function isCopyable(n: NodeView): boolean {
  return (n.proto.attribute ?? []).every((a) => COPYABLE_ATTRIBUTES.has(a.type ?? 0));
}
const COPYABLE_ATTRIBUTES = new Set([1, 2, 3, 4, 6, 7, 8]);

/** The user's nodes, in graph order, that compute the tensors the tail nodes read besides the layer's values. */
function upstreamNodes(view: GraphView, tailNodes: readonly NodeView[], downstream: ReadonlySet<string>): NodeView[] {
  const need = new Set<string>();
  for (const n of tailNodes) for (const i of n.inputs) if (i && !downstream.has(i)) need.add(i);
  const picked: NodeView[] = [];
  for (let k = view.nodes.length - 1; k >= 0; k--) {
    const n = view.nodes[k];
    // A producer of a tensor outside `downstream` is itself upstream of the layer (its outputs would be downstream too).
    if (!n.outputs.some((o) => o && need.has(o))) continue;
    picked.push(n);
    for (const i of n.inputs) if (i) need.add(i);
  }
  return picked.reverse();
}

/** A tensor whose value does not depend on any graph input (initializers and Constant nodes, transitively). */
function isConstant(view: GraphView, tensor: string, seen = new Set<string>()): boolean {
  if (view.initializers.has(tensor)) return true;
  const p = view.producer.get(tensor);
  if (!p) return false;
  if (seen.has(tensor)) return true;
  seen.add(tensor);
  return p.inputs.every((i) => !i || isConstant(view, i, seen));
}
