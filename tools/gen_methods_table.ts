/**
 * Writes the method table of docs/methods.md (between the BEGIN/END markers) from the registry, so the docs list
 * exactly the methods `--method` accepts. Run: node --import tsx tools/gen_methods_table.ts
 */
import { METHODS } from '../src/cam/methods/index.js';
import { writeDocSection } from './doc-section.js';

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
writeDocSection(DOC, BEGIN, END, table);
console.log(`docs/methods.md: ${rows.length} methods`);
