/**
 * Writes the method table of docs/methods.md (between the BEGIN/END markers) from the registry, so the docs list
 * exactly the methods `--method` accepts. Run: node --import tsx tools/gen_methods_table.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { METHODS } from '../src/cam/methods/index.js';

const DOC = new URL('../docs/methods.md', import.meta.url);
const BEGIN = '<!-- BEGIN methods table (tools/gen_methods_table.ts) -->';
const END = '<!-- END methods table -->';

const rows = METHODS.map((m) => {
  const r = m.requires;
  const gradients = r.layerGradients
    ? r.inputGradient
      ? `layer + ${r.inputGradient === 'guided' ? 'guided ' : ''}input`
      : 'layer'
    : r.inputGradient
      ? `${r.inputGradient === 'guided' ? 'guided ' : ''}input`
      : 'no';
  return `| \`${m.name}\` | ${m.title} | ${m.formula.replace(/\|/g, '\\|')} | ${m.reference} | ${gradients} | ${m.cost} |`;
});
const table = [
  '| `--method` | name | formula as implemented | paper, equation | gradients | cost |',
  '|---|---|---|---|---|---|',
  ...rows,
].join('\n');
const doc = readFileSync(DOC, 'utf8');
const a = doc.indexOf(BEGIN);
const b = doc.indexOf(END);
if (a < 0 || b < a) throw new Error(`docs/methods.md lacks the markers ${BEGIN} … ${END}`);
writeFileSync(DOC, `${doc.slice(0, a + BEGIN.length)}\n${table}\n${doc.slice(b)}`);
console.log(`docs/methods.md: ${rows.length} methods`);
