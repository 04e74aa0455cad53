/** The one list of metrics: unique names, one file per metric named after it, every metric documented in docs/evaluate.md. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { METRICS } from '../src/metrics/index.js';

const ISSUE_METRICS = [
  'drop',
  'increase',
  'avg-drop',
  'road-morf',
  'road-lerf',
  'road-morf-avg',
  'road-lerf-avg',
  'road',
  'deletion',
  'insertion',
  'pointing',
  'energy-pointing',
  'sanity',
];

describe('metric registry', () => {
  it('has every promised metric, each once', () => {
    assert.deepEqual(
      METRICS.map((m) => m.name),
      ISSUE_METRICS,
    );
  });

  it('each metric lives in its own file, named after it and imported by index.ts', () => {
    const dir = new URL('../src/metrics/', import.meta.url);
    const index = readFileSync(new URL('index.ts', dir), 'utf8');
    for (const m of METRICS) {
      assert.ok(index.includes(`'./${m.name}.js'`), `index.ts imports ${m.name}.ts`);
      const src = readFileSync(new URL(`${m.name}.ts`, dir), 'utf8');
      assert.equal(
        (src.match(/: (Perturbation|Localisation|Sanity)Metric = \{/g) ?? []).length,
        1,
        `${m.name}.ts defines one metric`,
      );
      assert.ok(src.includes(`name: '${m.name}'`), `${m.name}.ts defines ${m.name}`);
    }
  });

  it('docs/evaluate.md has a row per metric with its reference and formula', () => {
    const doc = readFileSync(new URL('../docs/evaluate.md', import.meta.url), 'utf8');
    for (const m of METRICS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${m.name}\``));
      assert.ok(row, `a table row for ${m.name}`);
      assert.ok(row.includes(m.reference.split(' (')[0]), `${m.name} row cites ${m.reference}`);
      assert.ok(row.includes(m.formula), `${m.name} row gives its formula`);
    }
  });
});
