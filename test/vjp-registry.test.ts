/** The one list of gradient rules: unique, one file per rule, covering the ops gcam promises, each with fixture cases. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ALL_RULES } from '../src/vjp/all.js';
import { loadVjpCases } from './helpers/vjp-cases.js';

const PROMISED = [
  'Conv',
  'ConvTranspose',
  'Gemm',
  'MatMul',
  'Relu',
  'LeakyRelu',
  'PRelu',
  'Clip',
  'Sigmoid',
  'HardSigmoid',
  'HardSwish',
  'Tanh',
  'Softmax',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Sqrt',
  'Erf',
  'BatchNormalization',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'ReduceMean',
  'ReduceSum',
  'Flatten',
  'Reshape',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Concat',
  'Split',
  'Slice',
  'Gather',
  'Pad',
  'Identity',
  'Dropout',
  'Resize',
];

const kebab = (op: string) => op.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

describe('VJP rule registry', () => {
  it('op types are unique', () => {
    const ops = ALL_RULES.map((r) => r.opType);
    assert.deepEqual(ops, [...new Set(ops)]);
  });

  it('every rule lives in its own file named after the op', () => {
    const files = new Set(readdirSync(new URL('../src/vjp/', import.meta.url)));
    const all = readFileSync(new URL('../src/vjp/all.ts', import.meta.url), 'utf8');
    for (const r of ALL_RULES) {
      assert.ok(files.has(`${kebab(r.opType)}.ts`), `src/vjp/${kebab(r.opType)}.ts for ${r.opType}`);
      assert.ok(all.includes(`'./${kebab(r.opType)}.js'`), `all.ts imports ${kebab(r.opType)}.js`);
    }
  });

  it('every promised op has a rule', () => {
    const ops = new Set(ALL_RULES.map((r) => r.opType));
    assert.deepEqual(
      PROMISED.filter((p) => !ops.has(p)),
      [],
    );
  });

  it('every rule is exercised by at least one torch-referenced fixture case', () => {
    const covered = new Set(loadVjpCases().flatMap((g) => g.cases.flatMap((c) => c.ops)));
    assert.deepEqual(
      ALL_RULES.map((r) => r.opType).filter((op) => !covered.has(op)),
      [],
    );
  });
});
