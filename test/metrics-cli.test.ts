/**
 * `gcam evaluate` on the built-in shapes model: a run writes the table, the recommendation, the JSON (its values those
 * of the CSV), the CSV and the figures; bad input exits 2 with a message naming the flag.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { twoShapeScene } from '../src/eval/two-shapes.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { SHAPE_LABELS } from '../src/scenes/shapes.js';
import type { Evaluation } from '../src/metrics/evaluate.js';
import { runCli } from './helpers/cli.js';

let dir: string;
let images: string[];
let boxes: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gcam-evaluate-'));
  images = [];
  const lines = ['image,class,x0,y0,x1,y1'];
  for (let i = 0; i < 2; i++) {
    const scene = twoShapeScene(9_300_000 + i, SHAPE_LABELS.length);
    const path = join(dir, `scene${i}.png`);
    writeFileSync(path, await renderScenePng(scene));
    images.push(path);
    for (const o of scene.objects) lines.push(`scene${i}.png,${SHAPE_LABELS[o.classIndex]},${o.box.join(',')}`);
  }
  boxes = join(dir, 'boxes.csv');
  writeFileSync(boxes, lines.join('\n') + '\n');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('gcam evaluate', () => {
  it('writes the table, the recommendation, the JSON, the CSV and the figures', async () => {
    const out = join(dir, 'out');
    const r = await runCli([
      'evaluate',
      ...images,
      '--method',
      'gradcam,eigencam',
      '--metrics',
      'drop,deletion,insertion,pointing',
      '--boxes',
      boxes,
      '--steps',
      '8',
      '--json',
      join(out, 'ev.json'),
      '--csv',
      join(out, 'ev.csv'),
      '--out',
      join(out, 'figures'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^method\s+layer\s+images\s+drop\s+deletion\s+insertion\s+pointing/m);
    assert.match(r.stdout, /^gradcam\s+\S+\s+4\s+[\d.]+ ± [\d.]+/m);
    assert.match(r.stdout, /^best by deletion \(lower is better\): (gradcam|eigencam) \(/m);
    const ev = JSON.parse(readFileSync(join(out, 'ev.json'), 'utf8')) as Evaluation;
    assert.equal(ev.rows.length, 2 * 2 * 2);
    assert.equal(ev.rows[0].curves.deletion.deletion.y.length, 9);
    const csv = readFileSync(join(out, 'ev.csv'), 'utf8').trim().split('\n');
    assert.equal(csv[0], 'method,layer,image,source,class,drop,deletion,insertion,pointing');
    assert.equal(csv.length, 1 + ev.rows.length);
    csv.slice(1).forEach((line, i) => assert.equal(Number(line.split(',')[6]), ev.rows[i].values.deletion));
    for (const f of ['deletion.png', 'insertion.png']) assert.ok(existsSync(join(out, 'figures', f)), f);
  });

  it('reads COCO-style boxes (x, y, width, height; categories by label) as the CSV boxes', async () => {
    const rows = readFileSync(boxes, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','));
    const names = [...new Set(rows.map((r) => r[0]))];
    const coco = {
      images: names.map((file_name, id) => ({ id, file_name })),
      categories: SHAPE_LABELS.map((name, id) => ({ id: 100 + id, name })),
      annotations: rows.map(([image, label, x0, y0, x1, y1]) => ({
        image_id: names.indexOf(image),
        category_id: 100 + SHAPE_LABELS.indexOf(label as (typeof SHAPE_LABELS)[number]),
        bbox: [Number(x0), Number(y0), Number(x1) - Number(x0), Number(y1) - Number(y0)],
      })),
    };
    const path = join(dir, 'coco.json');
    writeFileSync(path, JSON.stringify(coco));
    const [a, b] = [path, boxes].map((f) => join(dir, `${f === path ? 'coco' : 'csv'}-ev.json`));
    for (const [f, json] of [
      [path, a],
      [boxes, b],
    ])
      assert.equal((await runCli(['evaluate', ...images, '--metrics', 'energy-pointing', '--boxes', f, '--json', json])).code, 0);
    const values = (f: string) =>
      (JSON.parse(readFileSync(f, 'utf8')) as Evaluation).rows.map((r) => r.values['energy-pointing']);
    assert.deepEqual(values(a), values(b));
  });

  it('exits 2 on an unknown metric, suggesting the closest', async () => {
    const r = await runCli(['evaluate', images[0], '--metrics', 'drop,insertoin']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--metrics 'insertoin' is unknown; did you mean 'insertion'/);
  });

  it('exits 2 on a percentile outside (0, 100)', async () => {
    const r = await runCli(['evaluate', images[0], '--metrics', 'road-morf', '--morf-percentile', '100']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--morf-percentile must be a percentile strictly between 0 and 100; got 100/);
  });

  it('exits 2 on a boxes file that does not match the images', async () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, 'image,class,x0,y0,x1,y1\nelsewhere.png,circle,0,0,10,10\n');
    const r = await runCli(['evaluate', ...images, '--metrics', 'pointing', '--boxes', other]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /has no box for 2 of the 2 images/);
    const coco = join(dir, 'coco.json');
    writeFileSync(
      coco,
      JSON.stringify({
        images: [{ id: 1, file_name: 'scene0.png' }],
        annotations: [{ image_id: 2, category_id: 0, bbox: [0, 0, 1, 1] }],
      }),
    );
    const c = await runCli(['evaluate', images[0], '--metrics', 'pointing', '--boxes', coco]);
    assert.equal(c.code, 2);
    assert.match(c.stderr, /names image_id 2/);
  });
});
