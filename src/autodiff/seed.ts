/**
 * The seed of the backward pass: d(score)/d(logits), reshaped like the score tensor. Two sources:
 *  - buildSeed: the explain model's input targetWeights [N, K]. A row that is all zeros would explain nothing (an
 *    all-zero map), so it means "the predicted class": the row becomes the one-hot of argmax(scores), chosen inside the
 *    graph. One session run then predicts and explains, where the alternative (a forward run to learn the class, then
 *    the explain run) costs a second forward pass.
 *  - buildClassSeed: a class index per row [N] (int64) computed or fed inside the graph, as the exported model takes it
 *    (src/export/): −1 is the predicted class, 0…K−1 that class, anything else no class (a zero seed, so a zero map).
 *
 * Ops valid from opset 7 on (Greater/Not instead of float Equal, which needs opset 11; Where, opset 9, only in
 * buildClassSeed, whose models are opset ≥ 11), the choice made in float32 (onnxruntime's CPU kernels for
 * ArgMax/Greater/ReduceSum do not all take float16); ties go to the first maximum, as ArgMax's default and a stable sort
 * agree.
 */
import type { GraphBuilder } from '../onnx/builder.js';
import { DataType } from '../onnx/schema.js';

export interface Seed {
  /** Gradient of the explained score w.r.t. the score tensor, in its shape. */
  seed: string;
  /** The score tensor as [N, numClasses]. */
  scores: string;
}

export function buildSeed(
  b: GraphBuilder,
  scoreTensor: string,
  targetWeights: string,
  numClasses: number,
  elemType: number,
): Seed {
  const scores = b.op('Reshape', [scoreTensor, b.int64s([0, -1])]);
  const f32 = (x: string) => (elemType === DataType.FLOAT ? x : b.op('Cast', [x], { to: DataType.FLOAT }));
  // auto[n] = 1 when Σ_k |targetWeights[n, k]| = 0, else 0: [N, 1]
  const weightSum = b.reduceSum(b.op('Abs', [f32(targetWeights)]), [1], true);
  const isAuto = b.op('Not', [b.op('Greater', [weightSum, b.scalar(0)])]);
  const auto = b.op('Cast', [isAuto], { to: elemType });
  const top = b.op('ArgMax', [f32(scores)], { axis: 1, keepdims: 1 });
  const weights = b.op('Add', [targetWeights, b.op('Mul', [auto, oneHot(b, top, numClasses, elemType)])]);
  return { seed: b.op('Reshape', [weights, b.op('Shape', [scoreTensor])]), scores };
}

export function buildClassSeed(
  b: GraphBuilder,
  scoreTensor: string,
  targetClass: string,
  numClasses: number,
  elemType: number,
): Seed {
  const scores = b.op('Reshape', [scoreTensor, b.int64s([0, -1])]);
  const f32 = elemType === DataType.FLOAT ? scores : b.op('Cast', [scores], { to: DataType.FLOAT });
  const top = b.op('ArgMax', [f32], { axis: 1, keepdims: 1 });
  const given = b.unsqueeze(targetClass, [1]);
  const cls = b.op('Where', [b.op('Equal', [given, b.scalar(-1, DataType.INT64)]), top, given]);
  return { seed: b.op('Reshape', [oneHot(b, cls, numClasses, elemType), b.op('Shape', [scoreTensor])]), scores };
}

/** [N, K] one-hot rows of class indices [N, 1] (int64), compared with [[0, 1, …, K−1]]; an index outside gives zeros. */
function oneHot(b: GraphBuilder, index: string, numClasses: number, elemType: number): string {
  const classIds = b.constant(
    Array.from({ length: numClasses }, (_, k) => k),
    [1, numClasses],
    DataType.INT64,
  );
  return b.op('Cast', [b.op('Equal', [index, classIds])], { to: elemType });
}
