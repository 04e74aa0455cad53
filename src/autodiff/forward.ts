/**
 * The forward model: the user's model with the score tensor and, optionally, target layers as extra outputs. The work
 * that needs no gradient (Score-CAM's masked batches, top-k pre-scoring, Eigen-CAM's activations) runs on it, because
 * onnxruntime runs every node of a session whatever is fetched: on the explain model it would also pay for the
 * backward part. Append-only like the explain model; outputs are added untyped so onnxruntime infers their types.
 */
import { appendToModel } from '../onnx/append.js';
import { GraphBuilder } from '../onnx/builder.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { imageInput, outputOf, scoreTensorOf, type OutputActivation } from './rewrite.js';

export interface ForwardOptions {
  /** Layer tensors whose activations are fetched too (node outputs; none for scores only). */
  targets?: readonly string[];
  output?: string;
  useProbabilities?: boolean;
}

export interface ForwardModel {
  bytes: Uint8Array;
  inputName: string;
  inputElemType: number;
  /** The output giving the scores (logits under a final Softmax/Sigmoid, as the explain model explains them). */
  scoresName: string;
  outputActivation: OutputActivation;
  /** Target tensor names, fetchable as outputs. */
  layers: string[];
}

export function compileForwardModel(model: DecodedModel, view: GraphView, options: ForwardOptions = {}): ForwardModel {
  const input = imageInput(view);
  const { scoreTensor, outputActivation } = scoreTensorOf(view, outputOf(view, options.output), options.useProbabilities);
  const layers = [...new Set(options.targets ?? [])];
  const declared = new Set(view.outputs.map((o) => o.name));
  const b = new GraphBuilder(view.opset, view.usedNames(), 'gcam_forward');
  for (const t of new Set([scoreTensor, ...layers])) if (!declared.has(t)) b.outputs.push({ name: t });
  return {
    bytes: b.outputs.length ? appendToModel(model.bytes, model.proto, b) : model.bytes,
    inputName: input.name,
    inputElemType: input.elemType,
    scoresName: scoreTensor,
    outputActivation,
    layers,
  };
}
