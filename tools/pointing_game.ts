/**
 * The pointing game of every method on fresh two-shape scenes with the built-in model; writes the table of
 * docs/methods.md between its markers. With --volume, the 3-D pointing game of every gradient method on fresh
 * two-solid volumes with the built-in 3-D model, into docs/medical.md.
 *
 *   node --import tsx tools/pointing_game.ts [scenes=200]
 *   node --import tsx tools/pointing_game.ts --volume [volumes=200]
 */
import { cpus } from 'node:os';
import { METHODS } from '../src/cam/methods/index.js';
import { pointingGame, POINTING_SEED0 } from '../src/eval/shapes-eval.js';
import { MASK_TOLERANCE } from '../src/eval/pointing-game.js';
import { pointingGame3d, POINTING3D_SEED0 } from '../src/eval/solids-eval.js';
import { writeDocSection } from './doc-section.js';

const volume = process.argv.includes('--volume');
const count = Number(process.argv.filter((a) => a !== '--volume')[2] ?? 200);
const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(1)}%`;

const rows: string[] = [];
if (volume) {
  for (const m of METHODS.filter((x) => x.requires.layerGradients || x.requires.inputGradient)) {
    const r = await pointingGame3d(count, { method: m.name, threads: 2 });
    rows.push(`| \`${m.name}\` | ${pct(r.hits, r.count)} | ${pct(r.onOther, r.count)} | ${r.seconds.toFixed(1)} s |`);
    console.log(rows[rows.length - 1]);
  }
  const table = [
    `${count} volumes (seeds ${POINTING3D_SEED0}–${POINTING3D_SEED0 + count - 1}), two solids of different classes each, both`,
    `classes explained (${2 * count} maps), default layer; ${cpus().length} cores, 2 threads. The map's peak voxel in the`,
    `explained solid's mask / in the other solid's, each mask dilated by ${MASK_TOLERANCE} voxel (its 26 neighbours); time for`,
    'all maps including drawing the volumes.',
    '',
    '| method | peak in its solid | peak in the other solid | time |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  writeDocSection(
    new URL('../docs/medical.md', import.meta.url),
    '<!-- BEGIN 3-D pointing game (tools/pointing_game.ts --volume) -->',
    '<!-- END 3-D pointing game -->',
    table,
  );
} else {
  for (const m of METHODS) {
    const r = await pointingGame(count, { method: m.name, threads: 2 });
    rows.push(`| \`${m.name}\` | ${pct(r.hits, r.count)} | ${pct(r.onOther, r.count)} | ${r.seconds.toFixed(1)} s |`);
    console.log(rows[rows.length - 1]);
  }
  const table = [
    `${count} scenes (seeds ${POINTING_SEED0}–${POINTING_SEED0 + count - 1}), two different shapes each, both classes`,
    `explained (${2 * count} maps), default layer; ${cpus().length} cores, 2 threads. Peak on the explained shape's box /`,
    "on the other shape's box; time for all maps including rendering.",
    '',
    '| method | peak on its shape | peak on the other shape | time |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  writeDocSection(
    new URL('../docs/methods.md', import.meta.url),
    '<!-- BEGIN pointing game (tools/pointing_game.ts) -->',
    '<!-- END pointing game -->',
    table,
  );
}
