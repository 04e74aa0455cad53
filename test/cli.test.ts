/**
 * The gcam command line, run in-process through main(argv) (one test as a real child process for its exit code):
 * explanations of real photos with the real SqueezeNet 1.1 from ../shared, the torch reference maps of the
 * end-to-end fixtures through .npy inputs and --save-cam, the errors (exit code 2, a message, nothing written),
 * and the `layers` and `info` commands. Every output goes to a fresh temporary folder.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { InvalidInputError, InvalidOptionError, encodeNpy, normalizeMinMax, parseNpy, resizeBilinear } from '../src/node.js';
import { cliMessage } from '../src/cli/errors.js';
import { closestNames } from '../src/cli/did-you-mean.js';
import { METHOD_NAMES } from '../src/cam/methods/index.js';
import { SQUEEZENET, SQUEEZENET_FP16, needsShared, sharedPath } from './helpers/shared.js';
import { assertClose, maxAbsDiff, range } from './helpers/compare.js';
import { explainToFiles, filesIn, runCli, runCliProcess, tempDir } from './helpers/cli.js';
import {
  caffeTensor,
  fixtureFinalMap,
  fixtureImage,
  grayModel,
  loadE2eFixtures,
  withFreeSpatialDims,
} from './helpers/explain-inputs.js';

const CHELSEA = 'images/chelsea.png';
const COFFEE = 'images/coffee.png';
const shared = { ...needsShared(SQUEEZENET), ...needsShared(CHELSEA), ...needsShared(COFFEE) };

async function size(path: string): Promise<[number, number]> {
  const m = await sharp(path).metadata();
  return [m.width!, m.height!];
}

function readNpy(path: string) {
  return parseNpy(readFileSync(path), path);
}

/** Map i (H·W values) of a saved [N, H, W] map stack. */
function mapAt(a: { dims: number[]; data: Float32Array }, i: number): Float32Array {
  const per = a.dims[1] * a.dims[2];
  return a.data.subarray(i * per, (i + 1) * per);
}

describe('gcam explain: SqueezeNet 1.1 on photos (--preprocess caffe)', shared, () => {
  let model: string;
  let chelsea: string;
  let coffee: string;
  before(() => {
    model = sharedPath(SQUEEZENET)!;
    chelsea = sharedPath(CHELSEA)!;
    coffee = sharedPath(COFFEE)!;
  });
  const explain = (inputs: string[], ...rest: string[]) => runCli(['explain', ...inputs, '--model', model, ...rest]);

  it("chelsea.png: class 285 'Egyptian cat'; the overlay is written at the photo's own 451×300; JSON summary", async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const json = join(dir, 'summary.json');
    const r = await explain([chelsea], '--preprocess', 'caffe', '--out', out, '--json', json);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /class 285 'Egyptian cat' score 0\.9\d+ logit \d+\.\d{4} layer 'conv10_2'/);
    assert.deepEqual(filesIn(out), ['chelsea-285.png', 'manifest.jsonl']);
    assert.ok(r.stdout.includes(`wrote ${join(out, 'chelsea-285.png')}`));
    const png = join(out, 'chelsea-285.png');
    assert.deepEqual(await size(png), [451, 300]);
    // An overlay, not a copy of the photo.
    const [a, b] = await Promise.all([png, chelsea].map((p) => sharp(p).removeAlpha().raw().toBuffer()));
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff += Math.abs(a[i] - b[i]);
    assert.ok(diff / a.length > 20, `mean difference overlay vs photo ${diff / a.length}`);
    const summary = JSON.parse(readFileSync(json, 'utf8'));
    assert.deepEqual(
      summary.results.map((x: { class: number; label: string; tensor: string }) => [x.class, x.label, x.tensor]),
      [[285, 'Egyptian cat', 'conv10_2']],
    );
    assert.equal(summary.inputs[0].predictions[0].index, 285);
    assert.deepEqual(summary.outputs, [png]);
    assert.deepEqual(summary.skipped, []);
  });

  it('custom preprocessing flags reproduce the caffe preset exactly; a wrong mean length is refused', async () => {
    const dir = tempDir();
    const caffe = join(dir, 'caffe.npy');
    const custom = join(dir, 'custom.npy');
    const a = await explain([chelsea], '--preprocess', 'caffe', '--out', join(dir, 'a'), '--save-cam', caffe);
    assert.equal(a.code, 0, a.stderr);
    const b = await explain(
      [chelsea],
      ...[
        '--preprocess',
        'imagenet',
        '--resize',
        'stretch',
        '--channel-order',
        'BGR',
        '--range',
        '255',
        '--mean',
        '0,0,0',
        '--std',
        '1,1,1',
      ],
      ...['--out', join(dir, 'b'), '--save-cam', custom],
    );
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /class 285 'Egyptian cat'/);
    assertClose(parseNpy(readFileSync(custom)).data, parseNpy(readFileSync(caffe)).data, 1e-6, 'custom vs caffe map');
    // The imagenet preset itself gives a different map (RGB, crop, mean/std): the flags did change something.
    const c = await explain(
      [chelsea],
      '--preprocess',
      'imagenet',
      '--out',
      join(dir, 'c'),
      '--save-cam',
      join(dir, 'imagenet.npy'),
    );
    assert.equal(c.code, 0, c.stderr);
    const im = parseNpy(readFileSync(join(dir, 'imagenet.npy'))).data;
    const cf = parseNpy(readFileSync(caffe)).data;
    assert.ok(
      im.some((v, i) => Math.abs(v - cf[i]) > 0.05),
      'imagenet preset map differs from the caffe one',
    );
    const bad = await explain([chelsea], '--preprocess', 'caffe', '--mean', '1,2', '--out', join(dir, 'd'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /2 channels but the model takes 3|mean/);
    assert.equal(existsSync(join(dir, 'd')), false);
    const badFlag = await explain([chelsea], '--resize', 'squash', '--out', join(dir, 'e'));
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /--resize must be stretch, crop or letterbox/);
  });

  it('--top-k 3: three results in descending score, one file and one distinct map each', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const cam = join(dir, 'cam.npy');
    const r = await explain([chelsea], '--preprocess', 'caffe', '--top-k', '3', '--out', out, '--save-cam', cam);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => / class \d+/.test(l));
    const classes = lines.map((l) => Number(/ class (\d+)/.exec(l)![1]));
    const scores = lines.map((l) => Number(/ score ([\d.]+)/.exec(l)![1]));
    assert.deepEqual(classes, [285, 281, 282], 'Egyptian cat, tabby, tiger cat');
    assert.ok(scores[0] > scores[1] && scores[1] > scores[2], `scores ${scores}`);
    assert.deepEqual(filesIn(out), ['chelsea-281.png', 'chelsea-282.png', 'chelsea-285.png', 'manifest.jsonl']);
    const maps = readNpy(cam);
    assert.deepEqual(maps.dims, [3, 224, 224]);
    for (let i = 0; i < 3; i++) {
      assert.ok(range(mapAt(maps, i)).max > 0.9, `map ${i} is normalised`);
      for (let j = i + 1; j < 3; j++) assert.ok(maxAbsDiff(mapAt(maps, i), mapAt(maps, j)) > 0.05, `maps ${i} and ${j} differ`);
    }
  });

  it('--figure with two layers: one file, the photo and one overlay per layer side by side (3 panels)', async () => {
    const dir = tempDir();
    const r = await explain(
      [chelsea],
      '--preprocess',
      'caffe',
      '--figure',
      '--layer',
      'fire9/concat_1',
      '--layer',
      'conv10_2',
      '--out',
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /class 285 .* layer 'fire9\/concat_1'/);
    assert.match(r.stdout, /class 285 .* layer 'conv10_2'/);
    assert.deepEqual(filesIn(dir), ['chelsea-gcam.png', 'manifest.jsonl']);
    const [w, h] = await size(join(dir, 'chelsea-gcam.png'));
    assert.ok(w >= 3 * 451 && w <= 3 * 451 + 64, `width ${w}: three 451-wide panels and gaps`);
    assert.ok(h >= 300 && h <= 300 + 64, `height ${h}: one row of 300-high panels with captions`);
  });

  it("--class by label: 'Egyptian' → 285; 'cat' is ambiguous: exit code 2, the matches listed, nothing written", async () => {
    const dir = tempDir();
    const ok = await explain([chelsea], '--preprocess', 'caffe', '--class', 'Egyptian', '--out', join(dir, 'a'));
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(filesIn(join(dir, 'a')), ['chelsea-285.png', 'manifest.jsonl']);
    const bad = await explain([chelsea], '--preprocess', 'caffe', '--class', 'cat', '--out', join(dir, 'b'));
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Class 'cat' is ambiguous: 8 labels match/);
    for (const m of ["143 'oystercatcher'", "282 'tiger cat'", "285 'Egyptian cat'", "484 'catamaran'"])
      assert.ok(bad.stderr.includes(m), `stderr lists ${m}`);
    assert.deepEqual(filesIn(join(dir, 'b')), []);
  });

  it('--no-relu: a signed map (negative for espresso on the cat photo), consistent with the relu map', async () => {
    const dir = tempDir();
    const common = ['--preprocess', 'caffe', '--layer', 'fire9/concat_1', '--class', '967', '--out', dir];
    const r1 = await explain([chelsea], ...common, '--no-relu', '--save-cam', join(dir, 'signed.npy'));
    const r2 = await explain([chelsea], ...common, '--save-cam', join(dir, 'relu.npy'), '--overwrite');
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r2.code, 0, r2.stderr);
    const s = readNpy(join(dir, 'signed.npy')).data;
    const r = readNpy(join(dir, 'relu.npy')).data;
    const sr = range(s);
    assert.ok(sr.min < -0.1, `signed map min ${sr.min}`);
    assert.ok(
      sr.min >= -1 - 1e-6 && sr.max <= 1 + 1e-6 && Math.max(-sr.min, sr.max) > 0.9,
      `signed map range [${sr.min}, ${sr.max}]`,
    );
    // relu map = upsample(max(s_layer, 0) / k) and signed map = upsample(s_layer) with the same bilinear weights, so
    // k·relu ≥ signed everywhere, with equality wherever all cells around a pixel are positive (most positive pixels);
    // there the two maps order pixels identically. relu is 0 only where every cell around is ≤ 0.
    const peak = r.indexOf(range(r).max);
    const k = s[peak] / r[peak];
    assert.ok(k > 0 && k <= 1 + 1e-6, `k = ${k}`);
    let equal = 0;
    let positive = 0;
    for (let i = 0; i < s.length; i++) {
      assert.ok(k * r[i] >= s[i] - 1e-5, `pixel ${i}: k·relu ${k * r[i]} < signed ${s[i]}`);
      if (r[i] === 0) assert.ok(s[i] <= 1e-6, `pixel ${i}: relu 0 but signed ${s[i]}`);
      if (s[i] > 0) {
        positive++;
        if (Math.abs(k * r[i] - s[i]) <= 1e-5) equal++;
      }
    }
    assert.ok(positive > 1000 && equal > 0.5 * positive, `${equal} of ${positive} positive pixels agree exactly`);
    assert.ok(
      r.some((v) => v === 0),
      'the relu map is zero where the signed map is negative',
    );
  });

  it('a .npy input (--preprocess none, Caffe rules applied in the test) gives the image input’s map within 1e-5', async () => {
    const dir = tempDir();
    const npy = join(dir, 'chelsea.npy');
    writeFileSync(npy, encodeNpy(await caffeTensor(chelsea), [1, 3, 224, 224]));
    const a = await explain([chelsea], '--preprocess', 'caffe', '--out', join(dir, 'img'), '--save-cam', join(dir, 'img.npy'));
    const b = await explain([npy], '--preprocess', 'none', '--out', join(dir, 'npy'), '--save-cam', join(dir, 'npy.npy'));
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /chelsea\.npy: class 285 'Egyptian cat'/);
    const fromImage = readNpy(join(dir, 'img.npy'));
    const fromNpy = readNpy(join(dir, 'npy.npy'));
    assert.deepEqual(fromNpy.dims, [1, 224, 224]);
    assert.deepEqual(fromImage.dims, [1, 224, 224]);
    assertClose(fromNpy.data, fromImage.data, 1e-5, '.npy vs image input map');
    assert.deepEqual(await size(join(dir, 'npy', 'chelsea-285.png')), [224, 224], 'a tensor input is drawn at input resolution');
  });

  it('a batch with one unreadable image (child process): the others are written, exit code 2, the bad one on stderr', async () => {
    const dir = tempDir();
    const junk = join(dir, 'junk.png');
    writeFileSync(junk, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 7, 1, 200, 13, 99, 42, 0, 5]));
    const out = join(dir, 'out');
    const r = runCliProcess(['explain', chelsea, junk, coffee, '--model', model, '--preprocess', 'caffe', '--out', out]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`skipped ${junk.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*cannot be decoded`));
    assert.ok(!r.stderr.includes('chelsea') && !r.stderr.includes('coffee'), r.stderr);
    assert.deepEqual(filesIn(out), ['chelsea-285.png', 'coffee-967.png', 'manifest.jsonl']);
    assert.deepEqual(await size(join(out, 'coffee-967.png')), [600, 400]);
    assert.match(r.stdout, /coffee\.png: class 967 'espresso'/);
  });
});

describe('gcam explain errors: exit code 2, a message naming the problem, no output left behind', shared, () => {
  let model: string;
  let chelsea: string;
  before(() => {
    model = sharedPath(SQUEEZENET)!;
    chelsea = sharedPath(CHELSEA)!;
  });

  /** Runs explain with --out/--save-cam/--json in a fresh folder and checks that none of them was written. */
  async function fails(args: string[], message: RegExp | string): Promise<string> {
    const dir = tempDir();
    const outputs = [join(dir, 'out'), join(dir, 'cam.npy'), join(dir, 'summary.json')];
    const r = await runCli(['explain', ...args, '--out', outputs[0], '--save-cam', outputs[1], '--json', outputs[2]]);
    assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
    if (typeof message === 'string') assert.ok(r.stderr.includes(message), `stderr: ${r.stderr}`);
    else assert.match(r.stderr, message);
    for (const o of outputs) assert.ok(!existsSync(o), `${o} was written`);
    assert.deepEqual(filesIn(dir), []);
    return r.stderr;
  }

  it('missing model file', async () => {
    await fails([chelsea, '--model', '/nonexistent/model.onnx'], "Model file '/nonexistent/model.onnx' does not exist.");
  });

  it('missing image file', async () => {
    const stderr = await fails(['/nonexistent/cat.png', '--model', model], "Image '/nonexistent/cat.png' does not exist.");
    assert.match(stderr, /no readable input/);
  });

  it('corrupt PNG: random bytes, and a real PNG cut short', async () => {
    const dir = tempDir('gcam-inputs-');
    const junk = join(dir, 'junk.png');
    writeFileSync(
      junk,
      Uint8Array.from({ length: 64 }, (_, i) => (i * 97 + 13) % 256),
    );
    await fails([junk, '--model', model], new RegExp(`Image '.*junk\\.png' cannot be decoded`));
    const cut = join(dir, 'cut.png');
    writeFileSync(cut, readFileSync(chelsea).subarray(0, 2000));
    await fails([cut, '--model', model], new RegExp(`Image '.*cut\\.png' cannot be decoded`));
  });

  it('class index out of range, unknown label', async () => {
    await fails(
      [chelsea, '--model', model, '--preprocess', 'caffe', '--class', '1000'],
      'Class index 1000 is out of range: the model has 1000 classes (0–999).',
    );
    await fails(
      [chelsea, '--model', model, '--preprocess', 'caffe', '--class', 'flux capacitor'],
      "No class label contains 'flux capacitor'",
    );
  });

  it('unknown layer: the message lists the closest names', async () => {
    const stderr = await fails(
      [chelsea, '--model', model, '--layer', 'fire9/concat'],
      "Layer 'fire9/concat' was not found in the model.",
    );
    assert.match(stderr, /Closest names: .*'fire9\/concat_1'/);
    assert.match(stderr, /gcam layers/);
  });

  it('--top-k larger than the number of classes; --top-k with --class', async () => {
    await fails([chelsea, '--model', model, '--top-k', '1001'], /--top-k .*\b1000\b.*\b1001\b/);
    await fails([chelsea, '--model', model, '--top-k', '2', '--class', '285'], 'Use either --class or --top-k, not both.');
  });
});

describe('a mistyped flag or command: exit code 2, one line naming it and the closest ones, the help hint', () => {
  const HINT = "Run 'gcam --help' for every command and option.";
  const cases: [string[], string][] = [
    [['explain', 'x.png', '--topk', '3'], "Unknown option '--topk'. Did you mean --top-k?"],
    [['explain', 'x.png', '--top_k=3'], "Unknown option '--top_k'. Did you mean --top-k?"],
    [['explain', 'x.png', '--savecam', 'm.npy'], "Unknown option '--savecam'. Did you mean --save-cam?"],
    [['explain', 'x.png', '-topk', '3'], "Unknown option '-topk'. Did you mean --top-k?"],
    [['explain', 'x.png', '--modle', 'm.onnx'], "Unknown option '--modle'. Did you mean --model?"],
    [
      ['explain', 'x.png', '--score-cam'],
      "Unknown option '--score-cam'. Did you mean --score-cam-batch or --score-cam-channels?",
    ],
    [['explain', 'x.png', '-k'], "Unknown option '-k'."],
    [['explian', 'x.png'], "Unknown command 'explian'. Did you mean explain?"],
    [['lyers', 'm.onnx'], "Unknown command 'lyers'. Did you mean layers?"],
    [['x.png'], "Unknown command 'x.png'."],
  ];
  for (const [argv, line] of cases)
    it(`gcam ${argv.join(' ')}`, async () => {
      const r = await runCli(argv);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `gcam: ${line}\n${HINT}`);
      assert.equal(r.stdout, '');
    });

  it('other parse errors are one line and the hint too', async () => {
    const r = await runCli(['explain', 'x.png', '--model']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `gcam: Option '--model <value>' argument missing\n${HINT}`);
  });

  it('closest names: other case, dashes or underscores; ≤ 2 edits and ≤ 40 %; then prefixes, then substrings', () => {
    const flags = ['top-k', 'save-cam', 'no-relu', 'aug-smooth', 'size', 'seed', 'layer', 'combine-layers'];
    assert.deepEqual(closestNames('TOP_K', flags), ['top-k']);
    assert.deepEqual(closestNames('layers', flags), ['layer'], "1 edit beats 'combine-layers' containing it");
    assert.deepEqual(closestNames('sise', flags), ['size']);
    assert.deepEqual(closestNames('sze', flags), ['size'], "1 edit from 'size', 2 from 'seed'");
    assert.deepEqual(closestNames('sime', ['size', 'sine', 'seed']), ['size', 'sine'], '1 edit each: a tie lists both');
    assert.deepEqual(closestNames('aug', flags), ['aug-smooth'], "3 edits from 'seed', 'size': the prefix instead");
    assert.deepEqual(closestNames('relu', flags), ['no-relu'], 'contained');
    assert.deepEqual(closestNames('sz', ['size']), [], '2 edits are too many for 2 letters');
    assert.deepEqual(closestNames('xyz', flags), []);
    assert.deepEqual(closestNames('--', flags), [], 'nothing left to compare');
  });
});

describe("library errors name the CLI's flags", () => {
  it('an InvalidOptionError starts with the flag instead of the option; other errors are printed as they are', () => {
    assert.equal(cliMessage(new InvalidOptionError('topK', 'must be …')), '--top-k must be …');
    assert.equal(cliMessage(new InvalidOptionError('relu', 'x')), '--no-relu x');
    assert.equal(cliMessage(new InvalidOptionError('classesPerImage', 'has 2 entries')), 'classesPerImage has 2 entries');
    assert.equal(cliMessage(new InvalidOptionError('toString', 'x')), 'toString x');
    assert.equal(cliMessage(new InvalidInputError('topK is mentioned')), 'topK is mentioned');
  });

  it('--top-k 5000 (the built-in model has 6 classes), --batch-size 0: exit code 2, the message names the flag', async () => {
    const dir = tempDir();
    const { renderScenePng } = await import('../src/scenes/render-node.js');
    const { generateScene } = await import('../src/scenes/scene.js');
    const png = join(dir, 'scene.png');
    writeFileSync(png, await renderScenePng(generateScene(11, { classes: [3, 5] })));
    for (const [flag, value, option] of [
      ['--top-k', '5000', 'topK'],
      ['--batch-size', '0', 'batchSize'],
    ]) {
      const r = await runCli(['explain', png, flag, value, '--out', join(dir, 'out')]);
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(flag) && !r.stderr.includes(option), r.stderr);
      assert.ok(!existsSync(join(dir, 'out')));
    }
  });
});

describe('gcam on a 1-channel model', () => {
  it(
    'the presets adapt to one channel: a gray model runs on an RGB photo with --preprocess imagenet',
    needsShared(CHELSEA),
    async () => {
      const dir = tempDir();
      const gray = join(dir, 'gray.onnx');
      writeFileSync(gray, grayModel());
      const out = join(dir, 'out');
      const r = await runCli([
        'explain',
        sharedPath(CHELSEA)!,
        '--model',
        gray,
        '--preprocess',
        'imagenet',
        '--out',
        out,
        '--save-cam',
        join(dir, 'cam.npy'),
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /class \d score [\d.]+ prob [\d.]+ layer 'act'/);
      const files = filesIn(out).filter((f) => f.endsWith('.png'));
      assert.equal(files.length, 1);
      assert.deepEqual(await size(join(out, files[0])), [451, 300]);
      const cam = readNpy(join(dir, 'cam.npy'));
      assert.deepEqual(cam.dims, [1, 8, 8]);
      assert.ok(range(cam.data).max > 0.9, 'a non-constant map');
    },
  );

  it('--top-k above its 4 classes → exit code 2', needsShared(CHELSEA), async () => {
    const dir = tempDir();
    const gray = join(dir, 'gray.onnx');
    writeFileSync(gray, grayModel());
    const r = await runCli(['explain', sharedPath(CHELSEA)!, '--model', gray, '--top-k', '5', '--out', join(dir, 'out')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--top-k .*\b4\b.*\b5\b/);
    assert.ok(!existsSync(join(dir, 'out')));
  });
});

describe('gcam explain reproduces the torch reference maps of the end-to-end fixtures (.npy in, --save-cam out)', () => {
  for (const fx of loadE2eFixtures()) {
    it(`${fx.model}: layers by module path (${fx.layers.map((l) => l.module).join(', ')}), one .npy per image and class`, async () => {
      const dir = tempDir();
      const [, c, h, w] = fx.inputShape;
      for (const [n, target] of fx.targets.entries()) {
        const npy = join(dir, `x${n}.npy`);
        writeFileSync(npy, encodeNpy(fixtureImage(fx, n), [1, c, h, w]));
        const {
          run: r,
          cam,
          json,
        } = await explainToFiles(
          tempDir(),
          npy,
          fx.onnxPath,
          fx.layers.map((l) => l.module),
          ['--class', String(target)],
        );
        assert.equal(r.code, 0, r.stderr);
        const summary = JSON.parse(readFileSync(json, 'utf8'));
        assert.deepEqual(
          summary.results.map((x: { tensor: string; class: number }) => [x.tensor, x.class]),
          fx.layers.map((l) => [l.tensor, target]),
          'module paths resolve to the fixture tensors',
        );
        const maps = readNpy(cam);
        assert.deepEqual(maps.dims, [fx.layers.length, h, w]);
        fx.layers.forEach((layer, i) =>
          assertClose(mapAt(maps, i), fixtureFinalMap(fx, layer, n), 1e-4, `${fx.model} image ${n} ${layer.module}`),
        );
      }
    });
  }
});

describe('gcam explain output names', () => {
  it('the images of a batched .npy, and the same input given twice, each get their own file (none overwritten)', async () => {
    const [fx] = loadE2eFixtures().filter((f) => f.model === 'resnet');
    const dir = tempDir();
    const npy = join(dir, 'batch.npy');
    writeFileSync(npy, encodeNpy(Float32Array.from(fx.input), fx.inputShape));
    const out = join(dir, 'out');
    const r = await runCli([
      'explain',
      npy,
      npy,
      '--model',
      fx.onnxPath,
      '--preprocess',
      'none',
      '--class',
      '3',
      '--out',
      out,
      '--save-cam',
      join(dir, 'cam.npy'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    // The second batch.npy is batch_2, so its images are batch_2_0 and batch_2_1.
    const names = ['batch_0-3.png', 'batch_1-3.png', 'batch_2_0-3.png', 'batch_2_1-3.png'];
    assert.deepEqual(filesIn(out), [...names, 'manifest.jsonl']);
    const wrote = r.stdout.split('\n').filter((l) => l.startsWith('wrote ') && l.endsWith('.png'));
    assert.equal(new Set(wrote).size, 4, r.stdout);
    // Image 0 and image 1 differ, and each file shows its own image's map.
    const [a, b] = await Promise.all(['batch_0-3.png', 'batch_1-3.png'].map((f) => sharp(join(out, f)).raw().toBuffer()));
    assert.ok(maxAbsDiff(a, b) > 50, 'the two images have different overlays');
    const again = await sharp(join(out, 'batch_2_0-3.png')).raw().toBuffer();
    assert.equal(maxAbsDiff(a, again), 0, 'the same input twice gives the same overlay');
    assert.deepEqual(readNpy(join(dir, 'cam.npy')).dims, [4, 64, 64]);
  });

  it('two layers that differ after their last dot (vgg features.16, features.4) get one file each', async () => {
    const fx = loadE2eFixtures().find((f) => f.model === 'vgg')!;
    const dir = tempDir();
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, encodeNpy(fixtureImage(fx, 0), [1, ...fx.inputShape.slice(1)]));
    const out = join(dir, 'out');
    const layers = ['--layer', 'features.16', '--layer', 'features.4'];
    const r = await runCli([
      'explain',
      npy,
      '--model',
      fx.onnxPath,
      '--preprocess',
      'none',
      '--class',
      '3',
      ...layers,
      '--out',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(filesIn(out), ['manifest.jsonl', 'x-3-features.16.png', 'x-3-features.4.png']);
  });
});

describe('gcam layers --size', () => {
  const [resnet] = loadE2eFixtures().filter((f) => f.model === 'resnet');
  const layer2 = resnet.layers.find((l) => l.module === 'layer2')!.tensor;
  const maxpool = resnet.layers.find((l) => l.module === 'maxpool')!.tensor;
  const lineOf = (stdout: string, tensor: string) => stdout.split('\n').find((l) => l.includes(` ${tensor} `)) ?? '';

  it(
    'a fixed-size model refuses another size with a clear message (SqueezeNet 224, the resnet fixture 64)',
    needsShared(SQUEEZENET),
    async () => {
      const sq = await runCli(['layers', sharedPath(SQUEEZENET)!, '--size', '448']);
      assert.equal(sq.code, 2);
      assert.match(sq.stderr, /has a fixed size 224×224; it cannot take 448×448/);
      assert.equal(sq.stdout, '');
      const rn = await runCli(['layers', resnet.onnxPath, '--size', '128']);
      assert.equal(rn.code, 2);
      assert.match(rn.stderr, /fixed size 64×64; it cannot take 128×128.*dynamic height\/width/);
      const same = await runCli(['layers', sharedPath(SQUEEZENET)!, '--size', '224']);
      assert.equal(same.code, 0, same.stderr);
      assert.match(lineOf(same.stdout, 'conv10_2'), /^\* conv10_2 {2}Relu {2}\[1, 1000, 13, 13\]/);
    },
  );

  it('with free height/width (the resnet fixture re-declared), feature maps follow the size: layer2 8×8 at 64, 16×16 at 128', async () => {
    const dir = tempDir();
    const free = join(dir, 'resnet-free.onnx');
    writeFileSync(free, withFreeSpatialDims(readFileSync(resnet.onnxPath)));
    const at64 = await runCli(['layers', free, '--size', '64']);
    const at128 = await runCli(['layers', free, '--size', '128']);
    assert.equal(at64.code, 0, at64.stderr);
    assert.equal(at128.code, 0, at128.stderr);
    assert.match(at64.stdout, /^input \[1, 3, 64, 64\]/);
    assert.match(at128.stdout, /^input \[1, 3, 128, 128\]/);
    assert.match(lineOf(at64.stdout, layer2), /\[1, 16, 8, 8\]/);
    assert.match(lineOf(at128.stdout, layer2), /\[1, 16, 16, 16\]/);
    assert.match(lineOf(at64.stdout, maxpool), /\[1, 8, 16, 16\]/);
    assert.match(lineOf(at128.stdout, maxpool), /\[1, 8, 32, 32\]/);
    assert.ok(lineOf(at128.stdout, layer2).startsWith('*'), 'layer2 is the default layer');
  });
});

describe('gcam layers: element types, and the short names several modules share', () => {
  const [resnet] = loadE2eFixtures().filter((f) => f.model === 'resnet');

  it('the resnet fixture: block-level short names are marked with their full module path, a legend says what to pass', async () => {
    const r = await runCli(['layers', resnet.onnxPath]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    for (const line of [
      '  /relu/Relu_output_0  Relu  [1, 8, 32, 32]  float32  (relu)',
      '  /layer1/layer1.0/relu/Relu_output_0  Relu  [1, 8, 16, 16]  float32  (relu† layer1.0.relu)',
      '  /layer1/layer1.0/Add_output_0  Add  [1, 8, 16, 16]  float32  (layer1.0)',
      '  /layer2/layer2.0/downsample/downsample.0/Conv_output_0  Conv  [1, 16, 8, 8]  float32  (downsample.0)',
      '* /layer2/layer2.1/relu_1/Relu_output_0  Relu  [1, 16, 8, 8]  float32  (relu_1† layer2.1.relu_1)',
    ])
      assert.ok(lines.includes(line), `missing: ${line}\n${r.stdout}`);
    // conv1, relu, conv2 and relu_1 in each of the 4 blocks.
    assert.equal(lines.filter((l) => l.includes('†')).length, 16 + 1, r.stdout);
    assert.equal(
      lines.at(-1),
      '† a short name other modules share too: give --layer the full module path after it (e.g. layer1.0.conv1) or the tensor name.',
    );
  });

  it('explain --layer relu_1 (in four blocks): exit code 2 naming the four modules, nothing written; a full path runs', async () => {
    const dir = tempDir();
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, encodeNpy(fixtureImage(resnet, 0), [1, ...resnet.inputShape.slice(1)]));
    const out = tempDir();
    const bad = await explainToFiles(out, npy, resnet.onnxPath, ['relu_1']);
    assert.equal(bad.run.code, 2, bad.run.stderr);
    assert.equal(
      bad.run.stderr,
      "gcam: Layer 'relu_1' names 4 modules: 'layer1.0.relu_1', 'layer1.1.relu_1', 'layer2.0.relu_1', 'layer2.1.relu_1'. " +
        'Pass one of these full names instead (`gcam layers <model>` lists every layer).',
    );
    assert.deepEqual(filesIn(out), []);
    const good = await explainToFiles(tempDir(), npy, resnet.onnxPath, ['layer1.1.relu_1']);
    assert.equal(good.run.code, 0, good.run.stderr);
    assert.match(good.run.stdout, /layer 'layer1\.1\.relu_1'/);
  });
});

describe('gcam info', () => {
  it(
    'lists the ops and flags those without a gradient rule; explaining through one fails with exit code 2',
    needsShared(CHELSEA),
    async () => {
      const dir = tempDir();
      const path = join(dir, 'softplus.onnx');
      writeFileSync(path, grayModel('Softplus'));
      const r = await runCli(['info', path]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(r.stdout, /^opset 17, 4 nodes, 2 initializers/);
      assert.ok(lines.includes('input  x [N, 1, 8, 8] float32'), r.stdout);
      assert.ok(lines.includes('output logits (no shape declared) float32'), r.stdout);
      assert.ok(lines.includes('  Softplus ×1  (no gradient rule)'), r.stdout);
      for (const op of ['Conv', 'GlobalAveragePool', 'Flatten'])
        assert.ok(lines.includes(`  ${op} ×1`), `${op} listed without a flag`);
      // The layer after Softplus explains; the one before cannot.
      const out = join(dir, 'out');
      const ok = await runCli(['explain', sharedPath(CHELSEA)!, '--model', path, '--layer', 'act', '--out', out]);
      assert.equal(ok.code, 0, ok.stderr);
      const bad = await runCli(['explain', sharedPath(CHELSEA)!, '--model', path, '--layer', 'feat', '--out', join(dir, 'out2')]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Softplus/);
      assert.ok(!existsSync(join(dir, 'out2')));
    },
  );

  it('ops no gradient flows through are not flagged: the Constant nodes of the mobilenet fixture', async () => {
    const fx = loadE2eFixtures().find((f) => f.model === 'mobilenet')!;
    const r = await runCli(['info', fx.onnxPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.split('\n').includes('  Constant ×8'), r.stdout);
    assert.ok(!r.stdout.includes('no gradient rule'), r.stdout);
  });

  it('a float16 model: its input, output and layers are float16', needsShared(SQUEEZENET_FP16), async () => {
    const info = await runCli(['info', sharedPath(SQUEEZENET_FP16)!]);
    assert.equal(info.code, 0, info.stderr);
    assert.ok(info.stdout.split('\n').includes('input  data_0 [1, 3, 224, 224] float16'), info.stdout);
    const layers = await runCli(['layers', sharedPath(SQUEEZENET_FP16)!]);
    assert.equal(layers.code, 0, layers.stderr);
    assert.ok(layers.stdout.split('\n').includes('* conv10_2  Relu  [1, 1000, 13, 13]  float16'), layers.stdout);
  });

  it('SqueezeNet: every op has a gradient rule', needsShared(SQUEEZENET), async () => {
    const r = await runCli(['info', sharedPath(SQUEEZENET)!]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.split('\n').includes('  Conv ×26'), r.stdout);
    assert.ok(r.stdout.includes('input  data_0 [1, 3, 224, 224]'));
    assert.ok(!r.stdout.includes('no gradient rule'), r.stdout);
  });
});

describe('gcam explain --method and the smoothing/aggregation flags (resnet fixture, .npy in, --save-cam out)', () => {
  const fx = loadE2eFixtures().find((f) => f.model === 'resnet')!;
  const ref = JSON.parse(readFileSync(new URL('./fixtures/e2e/resnet.methods.json', import.meta.url), 'utf8')) as {
    layers: { id: string; module: string; dims: number[]; layerMaps: Record<string, number[]> }[];
    inputMaps: { saliency: number[]; augSmooth: { map: number[] }; combined: { map: number[] } };
  };
  const [, c, h, w] = fx.inputShape;
  const n = 1;
  const target = fx.targets[n];
  const image = (maps: number[]) => maps.slice(n * h * w, (n + 1) * h * w);

  /** gcam explain on image n of the fixture as a .npy (class `target`, no preprocessing), plus the given flags. */
  async function explainNpy(...args: string[]): Promise<{ r: Awaited<ReturnType<typeof runCli>>; dir: string }> {
    const dir = tempDir();
    const npy = join(dir, 'x.npy');
    writeFileSync(npy, encodeNpy(fixtureImage(fx, n), [1, c, h, w]));
    const r = await runCli(['explain', npy, '--model', fx.onnxPath, '--preprocess', 'none', '--out', join(dir, 'out'), ...args]);
    return { r, dir };
  }

  async function camFor(...args: string[]): Promise<{ dims: number[]; data: Float32Array }> {
    const cam = join(tempDir(), 'cam.npy');
    const { r } = await explainNpy('--class', String(target), '--save-cam', cam, ...args);
    assert.equal(r.code, 0, r.stderr);
    return readNpy(cam);
  }

  it('--method ablationcam and --method layercam at layer2: the reference layer maps, upsampled half-pixel, min-max again', async () => {
    const deep = ref.layers.find((l) => l.module === 'layer2')!;
    const [, , lh, lw] = deep.dims;
    for (const method of ['ablationcam', 'layercam']) {
      const maps = await camFor('--method', method, '--layer', 'layer2');
      const layerMap = deep.layerMaps[method].slice(n * lh * lw, (n + 1) * lh * lw);
      const expected = normalizeMinMax(resizeBilinear({ data: Float32Array.from(layerMap), dims: [1, lh, lw] }, h, w)).data;
      assertClose(maps.data, expected, 1e-4, `cli ${method}`);
    }
  });

  it('--method saliency, --aug-smooth, --combine-layers', async () => {
    assertClose((await camFor('--method', 'saliency')).data, image(ref.inputMaps.saliency), 1e-4, 'cli saliency');
    assertClose(
      (await camFor('--layer', 'layer2', '--aug-smooth')).data,
      image(ref.inputMaps.augSmooth.map),
      1e-4,
      'cli aug-smooth',
    );
    const combined = await camFor('--layer', 'layer2', '--layer', 'maxpool', '--combine-layers');
    assert.deepEqual(combined.dims, [1, h, w], 'one map for the two layers');
    assertClose(combined.data, image(ref.inputMaps.combined.map), 1e-4, 'cli combined');
  });

  it("gcam methods lists every method; an unknown --method is the library's error listing them, exit code 2", async () => {
    const list = await runCli(['methods']);
    assert.equal(list.code, 0);
    for (const m of METHOD_NAMES) assert.match(list.stdout, new RegExp(`^${m.replace('+', '\\+')}\\s`, 'm'));
    const { r: bad, dir } = await explainNpy('--method', 'gradcam+++');
    const out = join(dir, 'out');
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /method/);
    assert.match(bad.stderr, /'gradcam\+\+\+'.*gradcam, gradcam\+\+, /);
    assert.ok(!existsSync(out));
  });
});

describe('gcam demo and the built-in model', () => {
  it('gcam demo --seed 3: two different shapes, a score and a peak verdict per class, a 3-panel figure', async () => {
    const dir = tempDir();
    const r = await runCli(['demo', '--seed', '3', '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => / score \d\.\d{3}\s+peak \(\d+, \d+\) (inside|OUTSIDE) its box/.test(l));
    assert.equal(lines.length, 2, r.stdout);
    const figure = join(dir, 'demo-3.png');
    assert.ok(existsSync(figure));
    const [w, h] = await size(figure);
    assert.ok(w > 3 * h * 0.9 && w < 3.3 * h, `three square panels side by side: ${w}×${h}`);
    const again = await runCli(['demo', '--seed', '3', '--out', tempDir()]);
    assert.equal(
      again.stdout.replace(/wrote .*/, ''),
      r.stdout.replace(/wrote .*/, ''),
      'the same seed gives the same scene and maps',
    );
  });

  it('gcam explain without --model uses the built-in model, its preprocessing and labels', async () => {
    const dir = tempDir();
    const { renderScenePng } = await import('../src/scenes/render-node.js');
    const { generateScene } = await import('../src/scenes/scene.js');
    const png = join(dir, 'scene.png');
    writeFileSync(png, await renderScenePng(generateScene(11, { classes: [3, 5] })));
    const r = await runCli(['explain', png, '--class', 'star', '--json', join(dir, 's.json'), '--out', join(dir, 'out')]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    assert.equal(summary.results[0].class, 3);
    assert.equal(summary.results[0].label, 'star');
    assert.ok(summary.results[0].score > 0.9, `star score ${summary.results[0].score}`);
  });
});
