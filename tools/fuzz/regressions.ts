/** The fixed regression cases (regressions.json): reproducers found by the fuzzer, kept once the hole is fixed. */
import { readFileSync } from 'node:fs';
import type { FuzzCase } from './types.js';

export interface Regression {
  /** The known-hole category (test/fuzz.test.ts's KNOWN keys) or 'fixed' once it no longer fails. */
  category: string;
  /** Where it came from (campaign seed and case id) and what it checks. */
  why: string;
  case: FuzzCase;
}

export function loadRegressionEntries(): Regression[] {
  return JSON.parse(readFileSync(new URL('./regressions.json', import.meta.url), 'utf8')) as Regression[];
}

export function loadRegressions(): FuzzCase[] {
  return loadRegressionEntries().map((r) => r.case);
}
