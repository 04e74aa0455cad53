/**
 * Dropout at inference is the identity (ratio/training_mode inputs get no gradient; the mask output none either). So is
 * a training-mode Dropout whose ratio is a constant 0 (ONNX: output = data·mask/(1 − ratio), and no element falls
 * under ratio 0): torchvision's Swin calls F.dropout(attn, p=0.0) without training=False, exported with
 * training_mode = true.
 */
import type { VjpRule } from './types.js';

export const dropout: VjpRule = {
  opType: 'Dropout',
  check: ({ node, constant }) => {
    const training = node.inputs[2] ? constant(node.inputs[2]) : undefined;
    const ratio = node.inputs[1] ? constant(node.inputs[1]) : undefined;
    const zeroRatio = !!ratio && ratio.values[0] === 0;
    if (node.inputs[2] && (!training || training.values[0] !== 0) && !zeroRatio)
      return 'training_mode is not a constant false and the ratio is not a constant 0';
    return undefined;
  },
  backward: ({ gy }) => [gy[0], null, null],
};
