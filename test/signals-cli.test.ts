/**
 * Signals through the CLI on tiny 1-D classifiers built here (no torch needed): `gcam layers` shows each layer's
 * length; .npy signals [N, C, L], [C, L] and [L] (one channel) with --save-cam [N, L] holding the library's maps, the
 * manifest's and --json's peak as a sample index, --intensity applied per signal; the plot per result (its band
 * coloured by the map, the peak marked) and --figure's one PNG per input; and the inputs that do not fit skipped with
 * the reason (exit 2): channels, length, a [N, L] stack for a one-channel model, a 4-D .npy, a photo, a NIfTI volume, a
 * signal for an image model, an image preset. The maps' agreement with torch is test/zoo/signals.test.ts's job.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { describe, it } from 'node:test';
import { createImageExplainer, encodeNpy, parseNpy } from '../src/node.js';
import { colormapLut } from '../src/image/colormap.js';
import { plotWidth } from '../src/signal/plot.js';
import { runCli, tempDir } from './helpers/cli.js';
import { tinyModel } from './helpers/tiny-model.js';

const dir = tempDir('gcam-signals-cli-');
const VOLUMES = fileURLToPath(new URL('./fixtures/volumes/', import.meta.url));
const PHOTO = fileURLToPath(new URL('./fixtures/preprocess/chelsea.imagenet.webp', import.meta.url));

/** [N, C, L] → Conv 1-D (4 filters, 5 taps) → Relu → MaxPool 4 → GlobalAveragePool → Flatten → Gemm (2 classes). */
function signalModel(channels: number, length: number | string): Uint8Array {
  return tinyModel({
    inputs: [{ name: 'x', dims: ['N', channels, length] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { kernel_shape: [5], pads: [2, 2] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'MaxPool', inputs: ['r'], outputs: ['p'], attrs: { kernel_shape: [4], strides: [4] } },
      { op: 'GlobalAveragePool', inputs: ['p'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['f'] },
      { op: 'Gemm', inputs: ['f', 'fc', 'fb'], outputs: ['y'], attrs: { transB: 1 } },
    ],
    initializers: [
      { name: 'w', dims: [4, channels, 5], values: Array.from({ length: 20 * channels }, (_, i) => Math.sin(i * 1.3)) },
      { name: 'b', dims: [4], values: [0.1, -0.2, 0.05, 0] },
      { name: 'fc', dims: [2, 4], values: [1, -0.5, 0.3, 0.2, -0.7, 0.8, 0.2, -0.1] },
      { name: 'fb', dims: [2], values: [0, 0.1] },
    ],
  });
}

const C = 3;
const L = 120;
const three = join(dir, 'ecg3.onnx');
const one = join(dir, 'mono.onnx');
writeFileSync(three, signalModel(C, 'L'));
writeFileSync(one, signalModel(1, L));
const wave = (n: number, c: number, length = L) =>
  Float32Array.from(
    { length: n * c * length },
    (_, i) => Math.sin((i % length) * 0.09 * (1 + (Math.floor(i / length) % 3))) + 0.3 * Math.cos(i * 0.7),
  );
const npy = (name: string, data: Float32Array, dims: number[]) => {
  const path = join(dir, name);
  writeFileSync(path, encodeNpy(data, dims));
  return path;
};
const manifestOf = (out: string) =>
  readFileSync(join(out, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('signals through the CLI', () => {
  it('gcam layers --size 120 prints each layer with its length, the default starred', async () => {
    const r = await runCli(['layers', three, '--size', '120']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /input \[1, 3, 120\]/);
    assert.match(r.stdout, /\* p {2}MaxPool {2}\[1, 4, 30\] {2}float32 {2}length 30/);
    assert.match(r.stdout, / r {2}Relu {2}\[1, 4, 120\] {2}float32 {2}length 120/);
  });

  it('.npy [N, C, L] with --intensity: --save-cam [N, L] = the library maps, peaks as sample indices, a plot per result', async () => {
    const data = wave(2, C);
    const batch = npy('batch.npy', data, [2, C, L]);
    const out = join(dir, 'batch');
    const cam = join(dir, 'batch-cam.npy');
    const json = join(dir, 'batch.json');
    const r = await runCli([
      'explain',
      batch,
      '--model',
      three,
      '--size',
      String(L),
      '--intensity',
      'zscore',
      '--top-k',
      '2',
      '--save-cam',
      cam,
      '--json',
      json,
      '--out',
      out,
      '-q',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const stack = parseNpy(readFileSync(cam));
    assert.deepEqual(stack.dims, [4, L]);
    const ex = await createImageExplainer(new Uint8Array(readFileSync(three)), { size: L });
    const lib = await ex.explain(
      [0, 1].map((i) => ({ tensor: data.subarray(i * C * L, (i + 1) * C * L), dims: [C, L] })),
      { intensity: 'zscore', topK: 2 },
    );
    await ex.release();
    lib.forEach((res, k) => assert.deepEqual(stack.data.subarray(k * L, (k + 1) * L), res.map, `result ${k}`));
    const lines = manifestOf(out);
    const summary = JSON.parse(readFileSync(json, 'utf8')) as { results: { peak: unknown }[] };
    assert.deepEqual(
      summary.results.map((x) => x.peak),
      lines.map((l) => l.peak),
      '--json records the peaks the manifest does',
    );
    const red = colormapLut('jet').subarray(255 * 3, 256 * 3);
    for (const [k, line] of lines.entries()) {
      const map = stack.data.subarray(k * L, (k + 1) * L);
      const peak = line.peak as { index: number; value: number };
      assert.equal(peak.index, map.indexOf(Math.max(...map)));
      assert.equal(peak.value, 1);
      const [file] = line.files as string[];
      assert.equal(basename(file), `batch_${Math.floor(k / 2)}-${line.class as number}.png`);
      const { data: px, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      assert.equal(info.width, plotWidth(L));
      // Three lanes of 64 px with 6 px gaps, the band of 20 px, a 6 px margin: 6 + 3·70 + 20 + 6.
      assert.equal(info.height, 242);
      const at = (x: number, y: number) => [
        ...px.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3),
      ];
      // L = 120 samples at 5 px each: the peak's sample is jet's top colour in the band, and marked in the lanes.
      const column = peak.index * 5 + 2;
      assert.deepEqual(at(column, 226), [...red], 'the band at the peak');
      const low = map.indexOf(Math.min(...map));
      assert.deepEqual(at(low * 5 + 2, 226), [...colormapLut('jet').subarray(0, 3)], 'the band at the minimum');
      const marks = [0, 1, 2].map((lane) => at(peak.index * 5 + Math.floor(2.5), 6 + lane * 70 + 1));
      assert.ok(
        marks.every((m) => m[0] > 200 && m[1] < 80),
        `the peak marked in every lane: ${JSON.stringify(marks)}`,
      );
    }
  });

  it('.npy [C, L] and [L] for a one-channel model give the same maps as [N, C, L]; --figure is one PNG per input', async () => {
    const data = wave(2, 1);
    const batched = npy('mono-batch.npy', data, [2, 1, L]);
    const cl = npy('mono-cl.npy', data.subarray(0, L), [1, L]);
    const bare = npy('mono-l.npy', data.subarray(L), [L]);
    const cam = join(dir, 'mono-cam.npy');
    const r = await runCli(['explain', batched, cl, bare, '--model', one, '--save-cam', cam, '--out', join(dir, 'mono'), '-q']);
    assert.equal(r.code, 0, r.stderr);
    const stack = parseNpy(readFileSync(cam));
    assert.deepEqual(stack.dims, [4, L]);
    assert.deepEqual(stack.data.subarray(2 * L, 3 * L), stack.data.subarray(0, L), '[C, L] = batch item 0');
    assert.deepEqual(stack.data.subarray(3 * L, 4 * L), stack.data.subarray(L, 2 * L), '[L] = batch item 1');
    const fig = join(dir, 'mono-fig');
    const f = await runCli(['explain', cl, '--model', one, '--top-k', '2', '--figure', '--out', fig, '-q']);
    assert.equal(f.code, 0, f.stderr);
    const lines = manifestOf(fig);
    assert.deepEqual(
      lines.map((l) => (l.files as string[]).map((p) => basename(p))),
      [['mono-cl-gcam.png'], ['mono-cl-gcam.png']],
    );
    const meta = await sharp(join(fig, 'mono-cl-gcam.png')).metadata();
    // Two captioned plots (one lane each: 6 + 70 + 20 + 6 = 102 px) stacked.
    assert.ok(meta.width! >= plotWidth(L) && meta.height! > 2 * 102, `figure ${meta.width}×${meta.height}`);
  });

  it('inputs that do not fit a signal model are skipped with the reason; an image preset is refused', async () => {
    const stacked = npy('stacked.npy', wave(4, 1), [4, L]);
    const four = npy('four.npy', wave(1, 1, 16), [1, 1, 4, 4]);
    const short = npy('short.npy', wave(1, 1, 100), [1, 100]);
    const r = await runCli([
      'explain',
      stacked,
      four,
      short,
      PHOTO,
      join(VOLUMES, 'ct_int16.nii'),
      npy('fine.npy', wave(1, 1), [L]),
      '--model',
      one,
      '--out',
      join(dir, 'misfits'),
      '-q',
    ]);
    assert.equal(r.code, 2, 'inputs skipped');
    assert.match(r.stderr, /stacked\.npy' is \[4, 120\]; the model takes \[1, 120\] \(4 one-channel signals are \[N, 1, L\]/);
    assert.match(r.stderr, /four\.npy' is \[1,1,4,4\]: expected \[N,C,L\] or \[C,L\] or \[L\]/);
    assert.match(r.stderr, /short\.npy' is \[1, 100\]; the model takes \[1, 120\]/);
    assert.match(r.stderr, /chelsea\.imagenet\.webp.*is a 2-D image; this model takes signals/);
    assert.match(r.stderr, /ct_int16\.nii.*is a volume/);
    assert.equal(manifestOf(join(dir, 'misfits')).filter((l) => !l.error).length, 1, 'the one that fits is explained');
    const channels = await runCli([
      'explain',
      npy('two.npy', wave(1, 2), [2, L]),
      '--model',
      three,
      '--size',
      String(L),
      '--out',
      join(dir, 'channels'),
      '-q',
    ]);
    assert.equal(channels.code, 2);
    assert.match(channels.stderr, /two\.npy' is \[2, 120\]; the model takes \[3, 120\]/);
    const pre = await runCli([
      'explain',
      npy('pre.npy', wave(1, 1), [L]),
      '--model',
      one,
      '--preprocess',
      'imagenet',
      '--out',
      join(dir, 'pre'),
    ]);
    assert.equal(pre.code, 2);
    assert.match(pre.stderr, /preprocess.* applies to 2-D images; this model takes signals \[N, C, L\]/);
  });

  it('a signal .npy given to an image model is skipped with the shapes it takes', async () => {
    const image = join(dir, 'image.onnx');
    writeFileSync(
      image,
      tinyModel({
        inputs: [{ name: 'x', dims: ['N', 1, 8, 8] }],
        outputs: ['y'],
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
          { op: 'GlobalAveragePool', inputs: ['c'], outputs: ['g'] },
          { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
        ],
        initializers: [{ name: 'w', dims: [2, 1, 3, 3], values: Array.from({ length: 18 }, (_, i) => Math.cos(i)) }],
      }),
    );
    const r = await runCli([
      'explain',
      npy('to-image.npy', wave(1, 1, 64), [1, 64]),
      '--model',
      image,
      '--preprocess',
      'none',
      '--out',
      join(dir, 'to-image'),
      '-q',
    ]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /to-image\.npy' is \[1,64\]: expected \[N,C,H,W\] or \[C,H,W\]/);
  });
});
