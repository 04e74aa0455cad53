/**
 * The two toy models of ../shared/reference/toy-vectors.md, built with the test model builder: input x [N,1,4,4] →
 * Conv 3×3 (2 channels, no padding) → tensor 'A' (the target layer, before its ReLU) → Relu → Flatten (C,H,W order)
 * → Gemm (W transposed) → 'logits' (Toy1 adds a final Relu → 'scores').
 */
import { tinyModel } from './tiny-model.js';

export const TOY1_INPUT = Array.from({ length: 16 }, (_, i) => i);
export const TOY2_INPUT = [1, 3, 0, 2, 4, 1, 5, 2, 0, 2, 3, 6, 1, 0, 2, 4];

function toy(conv: number[], convBias: number[], fc: number[][], fcBias: number[], finalRelu: boolean): Uint8Array {
  const out = finalRelu ? 'scores' : 'logits';
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, 4, 4] }],
    outputs: [out],
    initializers: [
      { name: 'W', dims: [2, 1, 3, 3], values: conv },
      { name: 'B', dims: [2], values: convBias },
      { name: 'Wfc', dims: [fc.length, 8], values: fc.flat() },
      { name: 'Bfc', dims: [fc.length], values: fcBias },
    ],
    nodes: [
      { op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['A'], attrs: { kernel_shape: [3, 3] } },
      { op: 'Relu', inputs: ['A'], outputs: ['R'] },
      { op: 'Flatten', inputs: ['R'], outputs: ['F'], attrs: { axis: 1 } },
      { op: 'Gemm', inputs: ['F', 'Wfc', 'Bfc'], outputs: ['logits'], attrs: { transB: 1 } },
      ...(finalRelu ? [{ op: 'Relu', inputs: ['logits'], outputs: ['scores'] }] : []),
    ],
    opset: 13,
  });
}

/** Toy1: Captum's one-conv model (all conv weights 1, biases −50 and −75; rows of five 1s and three −1s). */
export function toy1(): Uint8Array {
  const row = [1, 1, 1, 1, 1, -1, -1, -1];
  return toy(new Array(18).fill(1), [-50, -75], [row, row, row, row], [0, 0, 0, 0], true);
}

/** Toy2: gradients vary across positions. `scale` multiplies the classifier (large logits, same maps). */
export function toy2(scale = 1): Uint8Array {
  const w0 = [1, 0, -1, 1, 1, 0, 0, 1, 1];
  const w1 = [0, 1, 0, 1, -1, 1, 0, 1, 0];
  const fc = [
    [1, -1, 2, 0.5, -0.5, 1, 0, 2],
    [0.5, 0.5, -1, 1, 2, -1, 1, 0],
    [-1, 2, 0, 1, 1, 0.5, -2, 1],
  ];
  return toy(
    [...w0, ...w1],
    [0.5, -1.5],
    fc.map((r) => r.map((v) => v * scale)),
    [0, 0.1, -0.1].map((v) => v * scale),
    false,
  );
}
