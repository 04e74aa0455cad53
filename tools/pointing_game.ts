/**
 * The pointing game of every method on fresh two-shape scenes with the built-in model; writes the table of
 * docs/methods.md between its markers. Run: node --import tsx tools/pointing_game.ts [scenes=200]
 */
import { cpus } from 'node:os';
import { METHODS } from '../src/cam/methods/index.js';
import { pointingGame, POINTING_SEED0 } from '../src/eval/shapes-eval.js';
import { writeDocSection } from './doc-section.js';

const scenes = Number(process.argv[2] ?? 200);
const DOC = new URL('../docs/methods.md', import.meta.url);
const BEGIN = '<!-- BEGIN pointing game (tools/pointing_game.ts) -->';
const END = '<!-- END pointing game -->';

const rows: string[] = [];
for (const m of METHODS) {
  const r = await pointingGame(scenes, { method: m.name, threads: 2 });
  const pct = (x: number) => `${((100 * x) / r.count).toFixed(1)}%`;
  rows.push(`| \`${m.name}\` | ${pct(r.hits)} | ${pct(r.onOther)} | ${r.seconds.toFixed(1)} s |`);
  console.log(rows[rows.length - 1]);
}
const table = [
  `${scenes} scenes (seeds ${POINTING_SEED0}–${POINTING_SEED0 + scenes - 1}), two different shapes each, both classes`,
  `explained (${2 * scenes} maps), default layer; ${cpus().length} cores, 2 threads. Peak on the explained shape's box /`,
  "on the other shape's box; time for all maps including rendering.",
  '',
  '| method | peak on its shape | peak on the other shape | time |',
  '|---|---|---|---|',
  ...rows,
].join('\n');
writeDocSection(DOC, BEGIN, END, table);
