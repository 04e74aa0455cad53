/**
 * Every method on the built-in shapes model, scored by `gcam evaluate` (pointing, energy pointing, deletion, insertion,
 * ROAD, sanity) on fresh two-shape scenes with their boxes; writes the table of docs/methods.md between its markers.
 * Run: node --import tsx tools/evaluate_table.ts [scenes=10]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { METHODS } from '../src/cam/methods/index.js';
import { twoShapeScene } from '../src/eval/two-shapes.js';
import type { Evaluation } from '../src/metrics/evaluate.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { SHAPE_LABELS } from '../src/scenes/shapes.js';
import { writeDocSection } from './doc-section.js';

const scenes = Number(process.argv[2] ?? 10);
/** Seeds away from the training, validation and test ranges and from the pointing game's. */
const SEED0 = 7_500_000;
const METRICS = ['pointing', 'energy-pointing', 'deletion', 'insertion', 'road', 'sanity'];
const DOC = new URL('../docs/methods.md', import.meta.url);
const BEGIN = '<!-- BEGIN evaluate table (tools/evaluate_table.ts) -->';
const END = '<!-- END evaluate table -->';

const dir = mkdtempSync(join(tmpdir(), 'gcam-evaluate-table-'));
try {
  const images: string[] = [];
  const boxes = ['image,class,x0,y0,x1,y1'];
  for (let i = 0; i < scenes; i++) {
    const scene = twoShapeScene(SEED0 + i, SHAPE_LABELS.length);
    images.push(join(dir, `scene${SEED0 + i}.png`));
    writeFileSync(images[i], await renderScenePng(scene));
    for (const o of scene.objects) boxes.push(`scene${SEED0 + i}.png,${SHAPE_LABELS[o.classIndex]},${o.box.join(',')}`);
  }
  writeFileSync(join(dir, 'boxes.csv'), boxes.join('\n') + '\n');
  const json = join(dir, 'evaluation.json');
  const argv = ['evaluate', ...images, '--method', METHODS.map((m) => m.name).join(','), '--metrics', METRICS.join(',')];
  argv.push('--boxes', join(dir, 'boxes.csv'), '--threads', '2', '--json', json);
  const start = performance.now();
  const code = await main(argv);
  if (code !== 0) throw new Error(`gcam evaluate exited ${code}`);
  const seconds = (performance.now() - start) / 1000;
  const ev = JSON.parse(readFileSync(json, 'utf8')) as Evaluation;
  const cell = (method: string, metric: string) => {
    const s = ev.summary.find((e) => e.method === method && e.metric === metric)!;
    return `${s.mean.toFixed(3)} ± ${s.std.toFixed(3)}`;
  };
  const bestOf = (metric: string) => ev.recommendations.find((r) => r.metric === metric)!.method;
  const rows = ev.methods.map(
    (m) =>
      `| \`${m}\` | ${METRICS.map((metric) => (bestOf(metric) === m ? `**${cell(m, metric)}**` : cell(m, metric))).join(' | ')} |`,
  );
  const table = [
    `${scenes} scenes (seeds ${SEED0}–${SEED0 + scenes - 1}), two different shapes each, both classes explained`,
    `(${2 * scenes} maps per method), default layer, probabilities (the model's sigmoid), the metrics' defaults (docs/evaluate.md);`,
    `mean ± SD over the maps, the best per column in bold. Pointing with the paper's 15-pixel tolerance; sanity: mean`,
    `Spearman ρ over the ${ev.sanityLayers.length} cascade steps (lower: the map depends more on the weights).`,
    `Made by \`gcam evaluate\` (tools/evaluate_table.ts) in ${(seconds / 60).toFixed(0)} min on ${cpus().length} cores, 2 threads.`,
    '',
    `| method | ${METRICS.map((m) => `${m} ${ev.recommendations.find((r) => r.metric === m)!.higherIsBetter ? '↑' : '↓'}`).join(' | ')} |`,
    `|---|${METRICS.map(() => '---').join('|')}|`,
    ...rows,
  ].join('\n');
  writeDocSection(DOC, BEGIN, END, table);
  console.log(table);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
