/**
 * prob:C — the probability of class C. Single-label (a Softmax output, or logits): p = softmax(z),
 * f = p_C, df/dz_k = p_C (δ_kC − p_k). Multi-label (a Sigmoid output): f = σ(z_C), df/dz_C = f (1 − f).
 * Seeded at the logits, whose gradient does not vanish where the output saturates.
 */
import { softmax } from '../cam/scores.js';
import { classOf, perImage } from './checks.js';
import type { TargetKind } from './types.js';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export const probTarget: TargetKind = {
  name: 'prob',
  syntax: 'prob:C',
  summary: 'the probability of class C: softmax of the logits (sigmoid of its logit for a model ending in Sigmoid)',
  bind(arg, output) {
    const c = classOf(arg, output, 'prob');
    const k = perImage(output);
    const multiLabel = output.activation === 'sigmoid';
    return {
      text: `prob:${c}`,
      reads: 'logits',
      classIndex: c,
      needsScores: true,
      seed: (z) => {
        const g = new Float32Array(k);
        if (multiLabel) {
          const p = sigmoid(z![c]);
          g[c] = p * (1 - p);
          return g;
        }
        const p = softmax(z!);
        for (let j = 0; j < k; j++) g[j] = p[c] * ((j === c ? 1 : 0) - p[j]);
        return g;
      },
      value: (z) => (multiLabel ? sigmoid(z[c]) : softmax(z)[c]),
    };
  },
};
