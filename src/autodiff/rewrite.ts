/**
 * Builds the explain model: the user's model plus an input `targetWeights` [N, K] and, per target layer, outputs for
 * its activations A and for dA = d(score)/dA with score[n] = Σ_k scores[n,k]·targetWeights[n,k]. The scores are the
 * chosen output, or the logits feeding it when that output is a Softmax (the default: the gradients of saturated probabilities vanish).
 */
import { appendToModel } from '../onnx/append.js';
import { buildSeed, type Seed } from './seed.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { DecodedModel } from '../onnx/decode.js';
import { GraphView } from '../onnx/graph.js';
import { DataType } from '../onnx/schema.js';
import { InvalidInputError, InvalidModelError, LayerNotOnPathError, UnsupportedOpError } from '../errors.js';
import type { Runtime } from '../runtime/types.js';
import { backprop, findUnsupported, requiredOpset } from './backprop.js';
import { minIrVersion, opsetRaiseBlockers } from './opset.js';
import { probeTensors, type TensorMeta } from './probe.js';
import { slicePath } from './slice.js';
import type { RuleVariant } from '../vjp/registry.js';

export type OutputActivation = 'softmax' | 'sigmoid' | 'none';

/**
 * The tensor whose values are explained: the output itself, or the logits feeding it when the output is a final
 * Softmax (single-label) or Sigmoid (multi-label) and probabilities were not asked for. Gradients of saturated
 * probabilities vanish, which is why the logits are the usual target (Selvaraju et al. 2017, section 3).
 */
export function scoreTensorOf(
  view: GraphView,
  outputName: string,
  useProbabilities = false,
): { scoreTensor: string; outputActivation: OutputActivation } {
  const producer = view.producer.get(outputName);
  if (!useProbabilities && producer && producer.domain === '') {
    if (producer.opType === 'Softmax') return { scoreTensor: producer.inputs[0], outputActivation: 'softmax' };
    if (producer.opType === 'Sigmoid') return { scoreTensor: producer.inputs[0], outputActivation: 'sigmoid' };
  }
  return { scoreTensor: outputName, outputActivation: 'none' };
}

/** The model output to explain (the first by default), checked. */
export function outputOf(view: GraphView, output?: string): string {
  const outputName = output ?? view.outputs[0].name;
  if (!view.outputs.some((o) => o.name === outputName))
    throw new InvalidInputError(
      `Output '${outputName}' is not an output of the model; outputs: ${view.outputs.map((o) => o.name).join(', ')}.`,
    );
  return outputName;
}

export interface CompileOptions {
  /** Tensor names of the target layers (see layers.ts to resolve what users type). */
  targets: readonly string[];
  /** The model output to explain; default the first. */
  output?: string;
  /** Differentiate the final Softmax/Sigmoid's output (probabilities) instead of its input (logits). Default false. */
  useProbabilities?: boolean;
  /** Which gradient rules: the true gradient ('standard', default) or guided backpropagation's ReLU ('guided'). */
  rules?: RuleVariant;
  /** Full input shape [N, C, H, W] used to measure shapes; N is kept dynamic in the explain model. */
  inputShape: readonly number[];
}

export interface GraphCompileOptions extends Omit<CompileOptions, 'inputShape'> {
  /** Shapes of every graph input for the probe run. */
  inputShapes: Record<string, readonly number[]>;
}

export interface ExplainLayerOutputs {
  /** The target tensor in the user's model. */
  tensor: string;
  /** Output name carrying A. */
  activation: string;
  /** Output name carrying dA. */
  gradient: string;
  /** Shape of A at the compiled input shape (batch as given). */
  dims: number[];
}

export interface ExplainModel {
  bytes: Uint8Array;
  inputName: string;
  inputElemType: number;
  targetWeightsName: string;
  scoresName: string;
  /** The tensor whose values are the scores (logits or the chosen output). */
  scoreTensor: string;
  /** True when the scores are the logits under the model's Softmax/Sigmoid output. */
  scoresAreLogits: boolean;
  /** What turns the scores into the model's output: 'softmax' or 'sigmoid' (logits), 'none' (the output itself). */
  outputActivation: OutputActivation;
  numClasses: number;
  layers: ExplainLayerOutputs[];
  /** ai.onnx opset of the explain model (higher than the model's when a rule needed it). */
  opset: number;
}

/**
 * A graph output whose declared fixed dims differ from what the model computes (measured by the probe): onnxruntime
 * trusts the declaration when it folds shapes, so the explain model would fail deep inside a run.
 */
export function checkDeclaredShape(view: GraphView, tensor: string, measured: readonly number[]): void {
  const declared = view.outputs.find((o) => o.name === tensor)?.dims;
  if (!declared) return;
  const wrong = declared.length !== measured.length || declared.some((d, i) => typeof d === 'number' && d !== measured[i]);
  if (wrong)
    throw new InvalidModelError(
      `The model declares its output '${tensor}' as [${declared.map((d) => d ?? '?').join(', ')}] but computes ` +
        `[${measured.join(', ')}]: export it again so that the declared output shape is the real one (or leave it dynamic).`,
    );
}

/** The model's single float image input, or a clear error. */
export function imageInput(view: GraphView): GraphView['inputs'][number] {
  if (view.inputs.length !== 1) {
    throw new InvalidModelError(
      `gcam explains models with one image input; this model has ${view.inputs.length} (${view.inputs.map((i) => `'${i.name}'`).join(', ')}).`,
    );
  }
  // gcam's rules emit ai.onnx ops at the model's ai.onnx opset: a model that imports none cannot take them.
  if (!(view.opset >= 1))
    throw new InvalidModelError(
      `The model imports no ai.onnx opset (opset_import: ${JSON.stringify((view.model.opset_import ?? []).map((o) => [o.domain ?? '', Number(o.version ?? 0)]))}); export it again with a standard opset.`,
    );
  const input = view.inputs[0];
  const floatTypes: number[] = [DataType.FLOAT, DataType.FLOAT16, DataType.DOUBLE];
  const rank = input.dims?.length;
  if (!floatTypes.includes(input.elemType) || (rank !== undefined && rank !== 3 && rank !== 4 && rank !== 5)) {
    throw new InvalidModelError(
      `The model input '${input.name}' is not a float image tensor [N, C, H, W], volume [N, C, D, H, W] or signal [N, C, L] (it is ${rank ?? '?'}-D of ONNX type ${input.elemType}). ` +
        `gcam needs a classifier taking float NCHW (or NCDHW, NCL) input; re-export the model with the preprocessing outside the graph.`,
    );
  }
  // Otherwise no layer would depend on the image, and the error would surface later as a puzzling "no layer".
  if (!view.consumers.has(input.name) && !view.outputs.some((o) => o.name === input.name))
    throw new InvalidModelError(
      `The model input '${input.name}' is not read by any node: the graph does not depend on the image. Export the model again with its real input.`,
    );
  return input;
}

/** Compiles the explain model of an image (volume, signal) classifier (one float NCHW, NCDHW or NCL input). */
export async function compileExplainModel(
  runtime: Runtime,
  model: DecodedModel,
  options: CompileOptions,
  viewIn?: GraphView,
): Promise<ExplainModel> {
  const view = viewIn ?? new GraphView(model.proto);
  const input = imageInput(view);
  const rank = options.inputShape.length;
  if (input.dims ? rank !== input.dims.length : rank < 3 || rank > 5)
    throw new InvalidInputError(
      `inputShape must be [N, C, ${{ 3: 'L', 5: 'D, H, W' }[input.dims?.length ?? 4] ?? 'H, W'}]; got [${options.inputShape.join(', ')}].`,
    );
  return compileExplainGraph(runtime, model, { ...options, inputShapes: { [input.name]: options.inputShape } }, view);
}

/**
 * The general form: any graph, any number of inputs (targets may be graph inputs). Used directly by the per-op
 * gradient tests; users go through compileExplainModel.
 */
export async function compileExplainGraph(
  runtime: Runtime,
  model: DecodedModel,
  options: GraphCompileOptions,
  viewIn?: GraphView,
): Promise<ExplainModel> {
  const view = viewIn ?? new GraphView(model.proto);
  const input = view.inputs[0];
  let targetWeightsName = '';
  const g = await buildExplainGraph(runtime, model, options, view, (b, s) => {
    targetWeightsName = b.name('targetWeights');
    b.addInput(targetWeightsName, s.elemType, [s.batchDim, s.numClasses]);
    return buildSeed(b, s.scoreTensor, targetWeightsName, s.numClasses, s.elemType);
  });
  const { b, scoreMeta, numClasses, batchDim, opset } = g;
  b.addOutput(g.scoresName, scoreMeta.elemType, [batchDim, numClasses]);
  const fetchable = new Set(view.outputs.map((o) => o.name));
  const layers: ExplainLayerOutputs[] = g.layers.map((l) => {
    const activation = activationOutput(b, view, fetchable, l.tensor, l.meta.elemType);
    const gradient = b.op('Identity', [l.gradient]);
    b.addOutput(gradient, l.meta.elemType);
    return { tensor: l.tensor, activation, gradient, dims: l.meta.dims };
  });
  const bytes = appendToModel(
    model.bytes,
    model.proto,
    b,
    opset > view.opset ? { opset, minIrVersion: minIrVersion(opset) } : {},
  );
  return {
    bytes,
    inputName: input?.name ?? '',
    inputElemType: input?.elemType ?? DataType.FLOAT,
    targetWeightsName,
    scoresName: g.scoresName,
    scoreTensor: g.scoreTensor,
    scoresAreLogits: g.outputActivation !== 'none',
    outputActivation: g.outputActivation,
    numClasses,
    layers,
    opset,
  };
}

/**
 * The output carrying a target's A: the tensor itself (a node's output becomes a graph output as it is, or is one
 * already), so that onnxruntime hands over the buffer it computed. An Identity to a new output copies it: 0.30 ms of
 * MobileNetV2's [8, 1280, 7, 7] explain run at batch 8 (node profile, 2 threads), where the Identity on dA is
 * optimised away. Graph inputs (targets in the per-op tests) keep the Identity.
 */
function activationOutput(b: GraphBuilder, view: GraphView, fetchable: Set<string>, tensor: string, elemType: number): string {
  if (fetchable.has(tensor)) return tensor;
  if (!view.producer.has(tensor)) {
    const copy = b.op('Identity', [tensor]);
    b.addOutput(copy, elemType);
    return copy;
  }
  b.addOutput(tensor, elemType);
  fetchable.add(tensor);
  return tensor;
}

/** What a seed source is told about the score tensor. */
export interface SeedContext {
  scoreTensor: string;
  numClasses: number;
  elemType: number;
  /** The batch dimension as declared: the model's fixed batch, or 'N'. */
  batchDim: number | string;
}

/** Emits the seed of the backward pass into the builder (seed.ts), with any input it needs. */
export type SeedSource = (b: GraphBuilder, s: SeedContext) => Seed;

/** The backward pass of a graph, built into a builder but not yet appended: the explain model and the export share it. */
export interface ExplainGraph {
  b: GraphBuilder;
  /** ai.onnx opset the builder's nodes conform to (higher than the model's when a rule or minOpset needed it). */
  opset: number;
  scoreTensor: string;
  scoreMeta: TensorMeta;
  /** The scores as [N, numClasses]. */
  scoresName: string;
  outputActivation: OutputActivation;
  numClasses: number;
  batchDim: number | string;
  /** Per target: its tensor, the tensor holding its dA, and its shape and type at the probed input shapes. */
  layers: { tensor: string; gradient: string; meta: TensorMeta }[];
  /** Shapes and types measured by the probe (every tensor on the path, the targets and the scores). */
  meta: Map<string, TensorMeta>;
}

export interface BuildOptions extends GraphCompileOptions {
  /**
   * The lowest ai.onnx opset the caller's own nodes need (the export's Resize and Where): the model's opset is raised
   * to it when every node keeps its meaning, as for the gradient rules.
   */
  minOpset?: number;
}

/** Slices, probes and checks the path from the targets to the scores, then emits the seed and the backward pass. */
export async function buildExplainGraph(
  runtime: Runtime,
  model: DecodedModel,
  options: BuildOptions,
  view: GraphView,
  seedSource: SeedSource,
): Promise<ExplainGraph> {
  const input = view.inputs[0];
  const outputName = outputOf(view, options.output);
  if (options.targets.length === 0) throw new InvalidInputError('No target layer given.');
  const { scoreTensor, outputActivation } = scoreTensorOf(view, outputName, options.useProbabilities);
  const variant = options.rules ?? 'standard';

  const slice = slicePath(view, options.targets, scoreTensor);
  for (const t of options.targets) {
    if (!slice.backward.has(t) || (!slice.forward.has(scoreTensor) && t !== scoreTensor))
      throw new LayerNotOnPathError(t, outputName);
  }
  const wanted = new Set<string>([scoreTensor, ...options.targets]);
  for (const n of slice.nodes) for (const t of [...n.inputs, ...n.outputs]) if (t && !view.initializers.has(t)) wanted.add(t);
  for (const n of view.nodes) if (['Softmax', 'LogSoftmax', 'Hardmax'].includes(n.opType)) wanted.add(n.inputs[0]);
  const meta: Map<string, TensorMeta> = await probeTensors(runtime, model, view, options.inputShapes, wanted);

  const unsupported = findUnsupported(view, slice, meta, variant);
  if (unsupported.length)
    throw new UnsupportedOpError(
      unsupported,
      workingLayers(
        view,
        slice,
        unsupported.map((u) => u.node),
        meta,
      ),
    );

  const required = requiredOpset(view, slice, meta, variant);
  const { raisedBy } = required;
  const opset = Math.max(required.opset, options.minOpset ?? 0);
  if (opset > view.opset) {
    const blockers = opsetRaiseBlockers(view, view.opset, opset, meta);
    const changes = blockers
      .slice(0, 3)
      .map((bl) => `${bl.opType} '${bl.node}' (${bl.why})`)
      .join(', ');
    if (blockers.length && raisedBy.length === 0)
      throw new InvalidModelError(
        `gcam needs opset ${opset} for its own nodes but the model is opset ${view.opset}, and raising it would change ` +
          `${changes}; re-export the model at opset >= ${opset}.`,
      );
    if (blockers.length) {
      throw new UnsupportedOpError(
        raisedBy.map((n) => ({
          opType: n.opType,
          domain: n.domain,
          node: n.name,
          reason:
            `its gradient needs opset ${opset} but the model is opset ${view.opset}, and raising it would change ` +
            changes +
            '; re-export the model at opset >= ' +
            opset,
        })),
        workingLayers(
          view,
          slice,
          raisedBy.map((n) => n.name),
          meta,
        ),
      );
    }
  }

  const b = new GraphBuilder(opset, view.usedNames());
  const scoreMeta = meta.get(scoreTensor)!;
  checkDeclaredShape(view, scoreTensor, scoreMeta.dims);
  const numClasses = scoreMeta.dims.slice(1).reduce((a, d) => a * d, 1);
  const batchDim = typeof input?.dims?.[0] === 'number' ? scoreMeta.dims[0] : 'N';
  const { seed, scores: scoresName } = seedSource(b, { scoreTensor, numClasses, elemType: scoreMeta.elemType, batchDim });
  const grads = backprop(view, slice, meta, b, scoreTensor, seed, options.targets, variant);
  const layers = options.targets.map((t, i) => {
    const gradient = grads[i];
    if (!gradient) throw new LayerNotOnPathError(t, outputName);
    return { tensor: t, gradient, meta: meta.get(t)! };
  });
  return { b, opset, scoreTensor, scoreMeta, scoresName, outputActivation, numClasses, batchDim, layers, meta };
}

/** Up to three tensors between the failing ops and the output that a user could pick instead, nearest first. */
function workingLayers(
  view: GraphView,
  slice: ReturnType<typeof slicePath>,
  badNodes: string[],
  meta: Map<string, TensorMeta>,
): string[] {
  // Tensors from which some failing node is reachable cannot be explained; the rest of the path can.
  const bad = new Set(badNodes);
  const tainted = new Set<string>();
  for (let k = slice.nodes.length - 1; k >= 0; k--) {
    const n = slice.nodes[k];
    if (bad.has(n.name) || n.outputs.some((o) => tainted.has(o))) for (const i of n.inputs) if (i) tainted.add(i);
  }
  const candidates: string[] = [];
  for (const n of view.nodes) {
    if (bad.has(n.name)) continue;
    for (const o of n.outputs)
      if (o && slice.backward.has(o) && !tainted.has(o) && (meta.get(o)?.dims.length ?? 0) >= 3) candidates.push(o);
  }
  return candidates.slice(0, 3);
}
