/** `gcam methods`: the method registry, one entry per method with its formula, what it needs and its paper. */
import { METHODS } from '../../cam/methods/index.js';

export function cmdMethods(): number {
  for (const m of METHODS) {
    const r = m.requires;
    const needs: string[] = [];
    if (r.layerGradients) needs.push('layer gradients');
    else if (!r.inputGradient) needs.push('layer activations');
    if (r.inputGradient) needs.push(r.inputGradient === 'guided' ? 'guided input gradient' : 'input gradient');
    if (r.perturbation) needs.push(r.perturbation === 'ablation' ? 'ablated re-runs' : 'masked-input runs');
    console.log(`${m.name.padEnd(20)}${m.title}: ${m.formula}\n${''.padEnd(20)}needs ${needs.join(' + ')}; ${m.reference}`);
  }
  return 0;
}
