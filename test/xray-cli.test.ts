/**
 * The 1-channel 2-D X-ray flow end to end, against tools/gen_xray_fixtures.py's float64 torch references
 * (test/fixtures/xray/xray.json): a random-weight 1-channel CNN exported from torch, explained by the CLI on a CT
 * DICOM (--intensity ct:40,400, imagenet geometry), a 16-bit PNG (imagenet preset, /65535) and a MONOCHROME1 CR
 * (--intensity percentile:1,99, stretched, inverted). The model inputs gcam builds (library, from a path and from
 * bytes) match the references within 1e-6, the --save-cam maps torch autograd's Grad-CAM within 1e-4, and the
 * overlay is the map on the image shown through the DICOM's own window (pydicom's VOI LUT). Then a dataset folder
 * with the DICOM files gcam refuses: each skipped with its reason, the others written, exit code 2.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { createImageExplainer, heatmap, parseNpy } from '../src/node.js';
import { assertClose } from './helpers/compare.js';
import { filesIn, runCli, tempDir } from './helpers/cli.js';

const DIR = fileURLToPath(new URL('./fixtures/xray/', import.meta.url));
const MODEL = DIR + 'xray.onnx';
interface Arr {
  dims: number[];
  data: number[];
}
const cases = JSON.parse(readFileSync(DIR + 'xray.json', 'utf8')) as {
  input: string;
  args: string[];
  tensor: Arr;
  class: number;
  logits: number[];
  map: Arr;
}[];
const dicomRefs = JSON.parse(readFileSync(DIR + 'dicom.json', 'utf8')) as { file: string; photometric: string; display?: Arr }[];

/** The library options the CLI arguments of a case stand for. */
function optionsOf(args: readonly string[]) {
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const resize = at('--resize') as 'stretch' | undefined;
  return { intensity: at('--intensity'), ...(resize && { preprocessOverrides: { resize } }) };
}

const manifestOf = (dir: string) =>
  readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('X-ray flow: DICOM and 16-bit PNG through a 1-channel 2-D model', () => {
  it('the model inputs equal the references within 1e-6, from a path and from bytes', async () => {
    const ex = await createImageExplainer(MODEL);
    try {
      for (const c of cases) {
        const [fromPath] = await ex.prepareInputs([DIR + c.input], optionsOf(c.args));
        assertClose(fromPath.tensor, c.tensor.data, 1e-6, `${c.input} model input`);
        const [fromBytes] = await ex.prepareInputs([new Uint8Array(readFileSync(DIR + c.input))], optionsOf(c.args));
        assert.deepEqual(fromBytes.tensor, fromPath.tensor, `${c.input}: bytes give the same input`);
      }
      // With an intensity preset, a mean and std given explicitly still apply after it.
      const ct = cases.find((c) => c.input === 'ct.dcm')!;
      const [own] = await ex.prepareInputs([DIR + 'ct.dcm'], {
        intensity: 'ct:40,400',
        preprocessOverrides: { mean: [0.5], std: [0.25] },
      });
      assertClose(
        own.tensor,
        ct.tensor.data.map((v) => (v - 0.5) / 0.25),
        1e-6,
        'ct.dcm with --mean 0.5 --std 0.25',
      );
    } finally {
      await ex.release();
    }
  });

  for (const c of cases)
    it(`gcam explain ${c.input} ${c.args.join(' ')}: Grad-CAM within 1e-4 of torch float64; overlay at the image's size`, async () => {
      const dir = tempDir('gcam-xray-');
      const cam = join(dir, 'cam.npy');
      const run = await runCli([
        'explain',
        DIR + c.input,
        '--model',
        MODEL,
        '--layer',
        'layer2',
        ...c.args,
        '--out',
        dir,
        '--save-cam',
        cam,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const [line] = manifestOf(dir);
      assert.equal(line.class, c.class, 'the predicted class');
      assert.ok(Math.abs(line.score - c.logits[c.class]) <= 1e-4 * Math.abs(c.logits[c.class]), `score ${line.score}`);
      const maps = parseNpy(new Uint8Array(readFileSync(cam)));
      assert.deepEqual(maps.dims, [1, 32, 32]);
      assertClose(maps.data, c.map.data, 1e-4, `${c.input} Grad-CAM`);
      const overlay = await sharp(line.files[0]).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([overlay.info.width, overlay.info.height], [32, 24]);
      // Under the heatmap, the image through its window: DICOM's own (pydicom's VOI LUT), MONOCHROME1 inverted.
      const ref = dicomRefs.find((r) => r.file === c.input);
      if (ref?.display) {
        const shown = ref.display.data.map((v) => (ref.photometric === 'MONOCHROME1' ? 1 - v : v));
        const ex = await createImageExplainer(MODEL);
        const [r] = await ex.explain([DIR + c.input], { layers: ['layer2'], ...optionsOf(c.args) });
        await ex.release();
        const heat = heatmap(r.map, 32, 24);
        let worst = 0;
        for (let p = 0; p < 32 * 24; p++)
          for (let k = 0; k < 3; k++) {
            const expected = 0.5 * Math.round(shown[p] * 255) + 0.5 * heat.data[p * 3 + k];
            worst = Math.max(worst, Math.abs(overlay.data[p * 3 + k] - expected));
          }
        assert.ok(worst <= 1, `overlay vs the windowed image under the heatmap: off by ${worst} levels`);
      }
    });

  it('a folder of DICOM files: the readable ones explained, the others skipped with their reasons (exit 2)', async () => {
    const dir = tempDir('gcam-xray-folder-');
    const data = join(dir, 'data');
    mkdirSync(data);
    for (const f of ['ct.dcm', 'rgb.dcm', 'jpeg.dcm', 'nopixels.dcm', 'truncated.dcm', 'frames3.dcm'])
      copyFileSync(DIR + f, join(data, f));
    // A plain 8-bit RGB photo still works on the 1-channel model (gray by luminance), intensity preset or not.
    await sharp({ create: { width: 20, height: 16, channels: 3, background: { r: 200, g: 40, b: 90 } } })
      .png()
      .toFile(join(data, 'photo.png'));
    const out = join(dir, 'out');
    const run = await runCli(['explain', data, '--model', MODEL, '--intensity', 'range:0,1', '--out', out, '--quiet']);
    assert.equal(run.code, 2, run.stderr);
    const lines = manifestOf(out);
    const explained = lines.filter((l) => !l.error).map((l) => l.source.split('/').pop());
    assert.deepEqual(explained.sort(), ['ct.dcm', 'photo.png', 'rgb.dcm']);
    const why = Object.fromEntries(lines.filter((l) => l.error).map((l) => [l.source.split('/').pop(), l.error]));
    assert.match(why['jpeg.dcm'], /1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline\).*Decompress it first/);
    assert.match(why['nopixels.dcm'], /holds no pixel data/);
    assert.match(why['truncated.dcm'], /is cut short/);
    assert.match(why['frames3.dcm'], /NumberOfFrames 3.*--frame T/);
    assert.deepEqual(
      filesIn(out).map((f) => f.replace(/-\d+\.png$/, '')),
      ['ct', 'manifest.jsonl', 'photo', 'rgb'],
    );
    // --frame picks a frame of the multi-frame file.
    const framed = await runCli([
      'explain',
      join(data, 'frames3.dcm'),
      '--model',
      MODEL,
      '--intensity',
      'range:0,1',
      '--frame',
      '1',
      '--out',
      join(dir, 'f'),
    ]);
    assert.equal(framed.code, 0, framed.stderr);
  });

  it('gcam evaluate scores maps of a DICOM with --intensity', async () => {
    const json = join(tempDir('gcam-xray-evaluate-'), 'eval.json');
    const run = await runCli([
      'evaluate',
      DIR + 'ct.dcm',
      '--model',
      MODEL,
      '--intensity',
      'ct:40,400',
      '--metrics',
      'drop',
      '--json',
      json,
      '--quiet',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const ev = JSON.parse(readFileSync(json, 'utf8')) as { rows: { source: string }[] };
    assert.equal(ev.rows.length, 1);
    assert.match(ev.rows[0].source, /ct\.dcm$/);
  });

  it('a DICOM without --intensity is skipped: its values have no full scale, and the message names --intensity', async () => {
    const dir = tempDir('gcam-xray-nointensity-');
    const run = await runCli(['explain', DIR + 'ct.dcm', '--model', MODEL, '--out', dir]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /skipped .*ct\.dcm: --intensity is needed for image '.*ct\.dcm'.*ct:L,W/);
  });
});
