/** Lookup of gradient rules by ONNX op type (ai.onnx domain). The list itself lives in all.ts. */
import type { VjpRule } from './types.js';
import { ALL_RULES } from './all.js';

const BY_OP = new Map<string, VjpRule>(ALL_RULES.map((r) => [r.opType, r]));

export function ruleFor(opType: string): VjpRule | undefined {
  return BY_OP.get(opType);
}

export function supportedOps(): string[] {
  return [...BY_OP.keys()].sort();
}
