/** The per-op gradient fixtures written by tools/gen_vjp_cases.py. */
import { readdirSync, readFileSync } from 'node:fs';

interface Arr {
  dims: number[];
  data: number[];
}
export interface VjpCase {
  name: string;
  op: string;
  ops: string[];
  opset: number;
  model: string;
  inputs: Record<string, Arr>;
  targets: string[];
  output: string;
  outputValue: Arr;
  cotangent: Arr;
  grads: Record<string, Arr>;
  tol: number;
}

const DIR = new URL('../fixtures/vjp/', import.meta.url);

export function loadVjpCases(): { group: string; cases: VjpCase[] }[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ group: f.replace(/\.json$/, ''), cases: JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as VjpCase[] }));
}
