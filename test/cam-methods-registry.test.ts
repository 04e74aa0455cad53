/** The one list of CAM methods: unique names, one file per method, every method documented in docs/methods.md. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { METHODS } from '../src/cam/methods/index.js';

const ISSUE_METHODS = [
  'gradcam',
  'gradcam++',
  'hirescam',
  'xgradcam',
  'layercam',
  'gradcamelementwise',
  'eigencam',
  'eigengradcam',
  'scorecam',
  'ablationcam',
  'saliency',
  'guidedbackprop',
  'guidedgradcam',
];

describe('CAM method registry', () => {
  it('has every promised method, each once', () => {
    const names = METHODS.map((m) => m.name);
    assert.deepEqual([...names].sort(), [...ISSUE_METHODS].sort());
  });

  it('each method lives in its own file under src/cam/methods, imported by index.ts', () => {
    const dir = new URL('../src/cam/methods/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f !== 'index.ts');
    assert.equal(files.length, METHODS.length, `files: ${files.join(', ')}`);
    const index = readFileSync(new URL('index.ts', dir), 'utf8');
    for (const f of files) {
      assert.ok(index.includes(`'./${f.replace(/\.ts$/, '.js')}'`), `index.ts imports ${f}`);
      const src = readFileSync(new URL(f, dir), 'utf8');
      assert.equal((src.match(/: CamMethod = \{/g) ?? []).length, 1, `${f} defines exactly one method`);
    }
  });

  it('docs/methods.md has a row per method with its reference', () => {
    const doc = readFileSync(new URL('../docs/methods.md', import.meta.url), 'utf8');
    for (const m of METHODS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${m.name}\``));
      assert.ok(row, `a table row for ${m.name}`);
      assert.ok(row.includes(m.reference), `${m.name} row cites ${m.reference}`);
    }
  });
});
