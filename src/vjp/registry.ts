/** Lookup of gradient rules by ONNX op type (ai.onnx domain). The list itself lives in all.ts. */
import type { VjpRule } from './types.js';
import { ALL_RULES } from './all.js';
import { guidedRelu } from './variants/guided-relu.js';

const BY_OP = new Map<string, VjpRule>(ALL_RULES.map((r) => [r.opType, r]));

/**
 * Rule sets that replace some ordinary rules: 'guided' is guided backpropagation (only the ReLU rule changes).
 * 'standard' is the true gradient.
 */
export type RuleVariant = 'standard' | 'guided';

const VARIANTS: Record<RuleVariant, Map<string, VjpRule>> = {
  standard: new Map(),
  guided: new Map([[guidedRelu.opType, guidedRelu]]),
};

export function ruleFor(opType: string, variant: RuleVariant = 'standard'): VjpRule | undefined {
  return VARIANTS[variant].get(opType) ?? BY_OP.get(opType);
}

export function supportedOps(): string[] {
  return [...BY_OP.keys()].sort();
}
