/**
 * `gcam demo --volume` and the built-in 3-D model on the command line: the demo writes the volume it drew (read back
 * here with nifti-reader-js, not gcam), a heatmap per class on its grid, the slices figure and the manifest, and its
 * inside/outside verdicts agree with the masks; `gcam explain` without --model takes the 3-D model when every input
 * is a NIfTI volume (the same maps as the demo's), the 2-D one otherwise, and refuses a mix.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'fflate';
import sharp from 'sharp';
import { readHeader, readImage } from 'nifti-reader-js';
import { runCli, tempDir } from './helpers/cli.js';
import { twoSolidScene } from '../src/eval/two-solids.js';
import { inMask } from '../src/eval/pointing-game.js';

const SEED = 7;

/** A NIfTI file's header and voxels as float64 in file order (i fastest), read without gcam. */
function readNii(path: string) {
  const raw = gunzipSync(new Uint8Array(readFileSync(path)));
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  const h = readHeader(buffer)!;
  const view = new DataView(readImage(h, buffer));
  const values = Float64Array.from({ length: view.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, h.littleEndian));
  return { h, values };
}

/** File order (i fastest) → row-major [i][j][k] (k fastest), gcam's and the scene's order. */
function rowMajor(values: Float64Array, [ni, nj, nk]: number[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++) for (let i = 0; i < ni; i++) out[(i * nj + j) * nk + k] = values[i + ni * (j + nj * k)];
  return out;
}

const manifest = (path: string) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { class: number; label: string; score: number; peak: { voxel: number[] }; files: string[] });

describe('gcam demo --volume', () => {
  const dir = tempDir('gcam-demo3d-');
  const scene = twoSolidScene(SEED);
  let run: Awaited<ReturnType<typeof runCli>>;

  it('writes the volume, a heatmap per class, the figure and the manifest, and says whether each peak is inside', async () => {
    run = await runCli(['demo', '--volume', '--seed', String(SEED), '--out', dir]);
    assert.equal(run.code, 0, run.stderr);
    const base = join(dir, `demo3d-${SEED}`);
    const classes = scene.objects.map((o) => o.classIndex);
    const written = [`${base}.nii.gz`, ...classes.map((c) => `${base}-${c}.nii.gz`), `${base}-gcam.png`, `${base}.jsonl`];
    for (const f of written) assert.match(run.stdout, new RegExp(`wrote ${f.replace(/[.+]/g, '\\$&')}`));
    assert.match(run.stdout, new RegExp(`volume seed ${SEED}: ${scene.objects[0].label} and ${scene.objects[1].label}`));

    // The volume is the scene's voxels, 8-bit levels, on a 32³ grid with unit voxels.
    const vol = readNii(`${base}.nii.gz`);
    assert.deepEqual([...vol.h.dims.slice(0, 4)], [3, 32, 32, 32]);
    assert.deepEqual([...vol.h.pixDims.slice(1, 4)], [1, 1, 1]);
    assert.deepEqual(rowMajor(vol.values, [32, 32, 32]), Float64Array.from(scene.data));

    const lines = manifest(`${base}.jsonl`);
    assert.deepEqual(
      lines.map((l) => l.class),
      classes,
    );
    for (const [i, line] of lines.entries()) {
      const obj = scene.objects[i];
      assert.equal(line.label, obj.label);
      assert.ok(line.score > 0.5, `${obj.label} score ${line.score}`);
      assert.deepEqual(line.files, [`${base}-${obj.classIndex}.nii.gz`, `${base}-gcam.png`]);
      // The heatmap: [0, 1] on the volume's grid, largest where the manifest says.
      const map = readNii(`${base}-${obj.classIndex}.nii.gz`);
      assert.deepEqual([...map.h.dims.slice(0, 4)], [3, 32, 32, 32]);
      const m = rowMajor(map.values, [32, 32, 32]);
      let peak = 0;
      for (let p = 1; p < m.length; p++) if (m[p] > m[peak]) peak = p;
      assert.deepEqual(line.peak.voxel, [Math.floor(peak / 1024), Math.floor(peak / 32) % 32, peak % 32]);
      assert.equal(Math.min(...m), 0);
      assert.equal(Math.max(...m), 1);
      // The printed verdict is the mask's (dilated by 1 voxel).
      const v = line.peak.voxel as [number, number, number];
      const verdict = inMask(v, obj.mask, scene.dims, 1) ? 'inside' : 'OUTSIDE';
      assert.match(
        run.stdout,
        new RegExp(
          `${obj.label}\\s+score ${line.score.toFixed(3)}\\s+peak \\(i, j, k\\) = \\(${v.join(', ')}\\) ${verdict} the ${obj.label}`,
        ),
      );
    }
    // The figure: a row of three 160-pixel slices (32 voxels × 5) per class.
    const fig = await sharp(`${base}-gcam.png`).metadata();
    assert.ok(fig.width! >= 3 * 160 && fig.width! < 4 * 160, `${fig.width}×${fig.height}`);
    assert.ok(fig.height! >= 2 * 160 && fig.height! < 3 * 160, `${fig.width}×${fig.height}`);
  });

  it('the same seed gives the same volume and maps; more than one --layer is refused', async () => {
    const again = await runCli(['demo', '--volume', '--seed', String(SEED), '--out', tempDir()]);
    assert.equal(again.code, 0, again.stderr);
    const strip = (s: string) => s.replace(/wrote .*/g, '');
    assert.equal(strip(again.stdout), strip(run.stdout));
    const bad = await runCli(['demo', '--volume', '--layer', 'a', '--layer', 'b', '--out', tempDir()]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /takes one --layer/);
  });

  it('gcam explain on the demo volume without --model uses the built-in 3-D model: the same map as the demo', async () => {
    const out = join(dir, 'explained');
    const c = scene.objects[1];
    const r = await runCli(['explain', join(dir, `demo3d-${SEED}.nii.gz`), '--class', c.label, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no --model given and every input is a NIfTI volume: explaining with the built-in 3-D shapes model/);
    const mine = readNii(join(out, `demo3d-${SEED}-${c.classIndex}.nii.gz`)).values;
    const demo = readNii(join(dir, `demo3d-${SEED}-${c.classIndex}.nii.gz`)).values;
    assert.deepEqual(mine, demo);
  });

  it('without --model, images keep the 2-D model (its notice states the rule); images and volumes together are refused', async () => {
    const png = join(dir, 'gray.png');
    writeFileSync(
      png,
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
        .png()
        .toBuffer(),
    );
    const img = await runCli(['explain', png, '--out', join(dir, 'img')]);
    assert.equal(img.code, 0, img.stderr);
    assert.match(img.stderr, /built-in shapes model \(docs\/builtin-model\.md; NIfTI volumes get the built-in 3-D model\)/);
    const mixed = await runCli(['explain', join(dir, `demo3d-${SEED}.nii.gz`), png, '--out', join(dir, 'mixed')]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /this run names both .*explain them in two runs, or pass --model/);
  });
});
