/**
 * Volumes through the CLI on a tiny 3-D classifier (built here; no torch needed): `gcam layers --size D,H,W` shows
 * each layer's resolution; NIfTI in (.nii, .nii.gz, --intensity, --frame) → a NIfTI heatmap on the input's own voxel
 * grid with its affine kept, and the manifest's peak in voxels and in world coordinates (the affine written by
 * tools/gen_volume_fixtures.py, not read by gcam); .npy volumes of every rank with --save-cam [N, D, H, W]; and the
 * inputs that do not fit: a 4-D series without --frame, a truncated .nii.gz, a .npy of the wrong channels, a photo;
 * --figure's slices. The maps' agreement with torch is test/zoo/volumes.test.ts's job.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'fflate';
import { readHeader, readImage } from 'nifti-reader-js';
import { encodeNpy, parseNpy } from '../src/index.js';
import { runCli, tempDir } from './helpers/cli.js';
import { tinyModel } from './helpers/tiny-model.js';

const FIX = fileURLToPath(new URL('./fixtures/volumes/', import.meta.url));
const dir = tempDir('gcam-volumes-cli-');
const model = join(dir, 'tiny3d.onnx');
// [N, 1, 8, 8, 8] → Conv 3³ (3 filters, pad 1) → Relu → MaxPool 2³ → GlobalAveragePool → Flatten → Gemm (2 classes).
const weights = Array.from({ length: 3 * 27 }, (_, i) => Math.sin(i * 1.7) * 0.5);
writeFileSync(
  model,
  tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, 8, 8, 8] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [2, 2, 2], strides: [2, 2, 2] } },
      { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fc', 'fb'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: [
      { name: 'w', dims: [3, 1, 3, 3, 3], values: weights },
      { name: 'b', dims: [3], values: [0.1, -0.2, 0.05] },
      { name: 'fc', dims: [2, 3], values: [1, -0.5, 0.3, -0.7, 0.8, 0.2] },
      { name: 'fb', dims: [2], values: [0, 0.1] },
    ],
  }),
);
const fixtures = JSON.parse(readFileSync(join(FIX, 'nifti.json'), 'utf8')) as { file: string; affine: number[][] }[];

function readWritten(path: string) {
  const raw = gunzipSync(new Uint8Array(readFileSync(path)));
  const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
  const h = readHeader(buffer)!;
  const image = new DataView(readImage(h, buffer));
  return { h, values: Float32Array.from({ length: image.byteLength / 4 }, (_, i) => image.getFloat32(4 * i, h.littleEndian)) };
}

const manifestOf = (out: string) =>
  readFileSync(join(out, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('volumes through the CLI', () => {
  it('gcam layers --size 8,8,8 prints each layer with its feature-map resolution', async () => {
    const r = await runCli(['layers', model, '--size', '8,8,8']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /input \[1, 1, 8, 8, 8\]/);
    assert.match(r.stdout, /\* p {2}MaxPool {2}\[1, 3, 4, 4, 4\] {2}float32 {2}4×4×4/);
    assert.match(r.stdout, / c {2}Conv {2}\[1, 3, 8, 8, 8\] {2}float32 {2}8×8×8/);
  });

  it('.nii and .nii.gz in, NIfTI heatmaps out on the input grid with the affine kept; manifest peak in voxels and world', async () => {
    const out = join(dir, 'nifti');
    const r = await runCli([
      'explain',
      join(FIX, 'ct_int16.nii'),
      join(FIX, 'ct_int16.nii.gz'),
      '--model',
      model,
      '--intensity',
      'ct:40,400',
      '--out',
      out,
      '--json',
      join(dir, 'nifti.json'),
      '-q',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const lines = manifestOf(out);
    assert.equal(lines.length, 2);
    const summary = JSON.parse(readFileSync(join(dir, 'nifti.json'), 'utf8')) as { results: { peak: unknown }[] };
    assert.deepEqual(
      summary.results.map((x) => x.peak),
      lines.map((l) => l.peak),
      '--json records the peaks the manifest does',
    );
    const affine = fixtures.find((f) => f.file === 'ct_int16.nii')!.affine;
    const maps: Float32Array[] = [];
    for (const line of lines) {
      const file = (line.files as string[])[0];
      assert.match(file, /ct_int16(_\d)?-\d\.nii\.gz$/);
      const { h, values } = readWritten(file);
      assert.deepEqual(h.dims.slice(0, 4), [3, 5, 6, 7], 'the input grid i, j, k');
      assert.equal(h.datatypeCode, 16);
      assert.equal(h.sform_code, 2);
      assert.deepEqual(
        h.pixDims.slice(1, 4).map((v) => Math.round(v * 100) / 100),
        [0.9, 1.1, 2.5],
      );
      assert.equal(Math.max(...values), 1);
      assert.equal(Math.min(...values), 0);
      maps.push(values);
      const peak = line.peak as { voxel: number[]; world: number[]; value: number };
      const [i, j, k] = peak.voxel;
      assert.equal(values[i + 5 * (j + 6 * k)], 1, 'the peak voxel holds the maximum (file order: i fastest)');
      assert.equal(peak.value, 1);
      const world = [0, 1, 2].map((row) => affine[row][0] * i + affine[row][1] * j + affine[row][2] * k + affine[row][3]);
      world.forEach((w, a) => assert.ok(Math.abs(w - peak.world[a]) < 1e-4, `world[${a}] ${peak.world[a]} vs ${w}`));
    }
    assert.deepEqual(maps[0], maps[1], '.nii and .nii.gz give the same heatmap');
  });

  it('a 4-D series needs --frame; --frame picks the volume', async () => {
    const out = join(dir, 'series');
    const r = await runCli(['explain', join(FIX, 'series_4d.nii'), '--model', model, '--out', out, '-q']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /4-D series of 3 volumes .*--frame T \(0 to 2\)/);
    const ok = await runCli([
      'explain',
      join(FIX, 'series_4d.nii'),
      '--model',
      model,
      '--frame',
      '2',
      '--out',
      join(dir, 'frame'),
      '-q',
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(readWritten((manifestOf(join(dir, 'frame'))[0].files as string[])[0]).h.dims.slice(0, 4), [3, 3, 4, 2]);
  });

  it('.npy volumes [N,C,D,H,W], [C,D,H,W] and [D,H,W] with --save-cam [N, D, H, W]; misfits are skipped with the reason', async () => {
    const vol = Float32Array.from({ length: 2 * 512 }, (_, i) => Math.cos(i * 0.37));
    const five = join(dir, 'five.npy');
    const four = join(dir, 'four.npy');
    const three = join(dir, 'three.npy');
    const wrong = join(dir, 'wrong.npy');
    writeFileSync(five, encodeNpy(vol, [2, 1, 8, 8, 8]));
    writeFileSync(four, encodeNpy(vol.subarray(0, 512), [1, 8, 8, 8]));
    writeFileSync(three, encodeNpy(vol.subarray(512), [8, 8, 8]));
    writeFileSync(wrong, encodeNpy(vol, [2, 8, 8, 8]));
    const cam = join(dir, 'cam.npy');
    const r = await runCli([
      'explain',
      five,
      four,
      three,
      wrong,
      '--model',
      model,
      '--preprocess',
      'none',
      '--save-cam',
      cam,
      '--out',
      join(dir, 'npy'),
      '-q',
    ]);
    assert.equal(r.code, 2, 'one input skipped');
    assert.match(r.stderr, /wrong\.npy' is \[2, 8, 8, 8\]; the model takes \[1, 8, 8, 8\]/);
    const stack = parseNpy(readFileSync(cam));
    assert.deepEqual(stack.dims, [4, 8, 8, 8]);
    const per = 512;
    assert.deepEqual(stack.data.subarray(0, per), stack.data.subarray(2 * per, 3 * per), 'five[0] = four');
    assert.deepEqual(stack.data.subarray(per, 2 * per), stack.data.subarray(3 * per, 4 * per), 'five[1] = three');
  });

  it('a truncated .nii.gz and a photo are skipped with the reason; --figure draws slices; image presets are refused', async () => {
    const r = await runCli([
      'explain',
      join(FIX, 'ct_truncated.nii.gz'),
      join(FIX, '../preprocess/chelsea.imagenet.webp'),
      join(FIX, 'ct_int16.nii'),
      '--model',
      model,
      '--out',
      join(dir, 'bad'),
      '-q',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /ct_truncated\.nii\.gz.*truncated/);
    assert.match(r.stderr, /chelsea\.imagenet\.webp.*is a 2-D image; this model takes volumes/);
    const fig = await runCli([
      'explain',
      join(FIX, 'ct_int16.nii'),
      '--model',
      model,
      '--figure',
      '--top-k',
      '2',
      '--out',
      join(dir, 'fig'),
      '-q',
    ]);
    assert.equal(fig.code, 0, fig.stderr);
    const figLines = manifestOf(join(dir, 'fig'));
    assert.deepEqual(
      figLines.map((l) => (l.files as string[]).map((f) => basename(f))),
      [
        ['ct_int16-0.nii.gz', 'ct_int16-gcam.png'],
        ['ct_int16-1.nii.gz', 'ct_int16-gcam.png'],
      ],
      'each heatmap, and the figure of slices showing both',
    );
    // Two rows (one per class) of three slices, each voxel enlarged to about 160 px: 5×6×7 → ×22.
    const meta = await sharp(join(dir, 'fig', 'ct_int16-gcam.png')).metadata();
    assert.ok(meta.width! > 3 * 6 * 22 && meta.height! > 2 * 5 * 22, `figure ${meta.width}×${meta.height}`);
    const pre = await runCli([
      'explain',
      join(FIX, 'ct_int16.nii'),
      '--model',
      model,
      '--preprocess',
      'imagenet',
      '--out',
      join(dir, 'pre'),
    ]);
    assert.equal(pre.code, 2);
    assert.match(pre.stderr, /preprocess.* applies to 2-D images/);
    const bad = await runCli([
      'explain',
      join(FIX, 'ct_int16.nii'),
      '--model',
      model,
      '--intensity',
      'ct:40',
      '--out',
      join(dir, 'int'),
    ]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--intensity 'ct:40' needs two numbers/);
  });
});
