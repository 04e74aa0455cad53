/**
 * Target kinds (src/targets/): the registry (one file per kind, each documented in docs/targets.md), every kind's f and
 * seed df/d(scores) against float64 torch autograd (test/fixtures/targets/seeds.json, tools/gen_target_cases.py), and
 * the typed errors of bad targets, through the library and the CLI (exit 2).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidInputError, InvalidOptionError } from '../src/errors.js';
import { builtinModel } from '../src/builtin.js';
import { createImageExplainer, loadModel, type ExplainOptions } from '../src/node.js';
import { encodeNpy } from '../src/io-npy.js';
import { TARGET_KINDS, parseTarget } from '../src/targets/index.js';
import type { OutputFacts, TargetFiles } from '../src/targets/types.js';
import type { OutputActivation } from '../src/autodiff/rewrite.js';
import { runCli, tempDir } from './helpers/cli.js';
import { assertClose } from './helpers/compare.js';

interface SeedCase {
  target: string;
  dims: number[];
  activation: OutputActivation;
  scores: number[];
  value: number;
  seed: number[];
  files: Record<string, { dims: number[]; data: number[] }>;
}

const CASES = JSON.parse(readFileSync(new URL('./fixtures/targets/seeds.json', import.meta.url), 'utf8')) as SeedCase[];

const filesOf = (arrays: SeedCase['files']): TargetFiles => ({
  readArray: async (p) => {
    const a = arrays[p];
    if (!a) throw new InvalidOptionError('target', `no file '${p}'`);
    return { dims: a.dims, data: Float32Array.from(a.data) };
  },
  readImage: async () => {
    throw new Error('no images here');
  },
});

async function bind(text: string, dims: number[], activation: OutputActivation = 'none', files: SeedCase['files'] = {}) {
  const { kind, arg } = parseTarget(text);
  const output: OutputFacts = { name: 'out', dims, activation };
  return kind!.bind(arg, output, filesOf(files));
}

describe('target registry', () => {
  it('has every promised kind once, each in its own file imported by index.ts', () => {
    const names = TARGET_KINDS.map((k) => k.name);
    assert.deepEqual([...names].sort(), ['binary', 'box', 'class', 'det', 'prob', 'raw', 'seg', 'similarity']);
    const dir = new URL('../src/targets/', import.meta.url);
    const index = readFileSync(new URL('index.ts', dir), 'utf8');
    const kindFiles = readdirSync(dir).filter((f) => /: TargetKind = \{/.test(readFileSync(new URL(f, dir), 'utf8')));
    assert.equal(kindFiles.length, TARGET_KINDS.length, kindFiles.join(', '));
    for (const f of kindFiles) assert.ok(index.includes(`'./${f.replace(/\.ts$/, '.js')}'`), `index.ts imports ${f}`);
  });

  it('docs/targets.md documents every kind by its syntax', () => {
    const doc = readFileSync(new URL('../docs/targets.md', import.meta.url), 'utf8');
    // In a Markdown table a '|' of the syntax is written '\|'.
    for (const k of TARGET_KINDS) {
      const shown = `\`${k.syntax.replace(/\|/g, '\\|')}\``;
      assert.ok(doc.includes(shown), `docs/targets.md shows ${shown}`);
    }
    assert.ok(doc.includes('`output:NAME[+TARGET]`'));
  });

  it('parses output:NAME+TARGET and output:NAME alone', () => {
    assert.deepEqual(
      { ...parseTarget('output:emb+similarity:r.npy'), kind: parseTarget('output:emb+similarity:r.npy').kind?.name },
      { output: 'emb', kind: 'similarity', arg: 'r.npy' },
    );
    assert.deepEqual(parseTarget('output:logits'), { output: 'logits' });
    assert.throws(() => parseTarget('bbox:1'), /unknown target 'bbox'/);
  });
});

describe('target f and df/d(scores) vs float64 torch autograd', () => {
  for (const c of CASES) {
    it(`${c.target} on [N, ${c.dims.join(', ')}] (${c.activation})`, async () => {
      const t = await bind(c.target, c.dims, c.activation, c.files);
      const s = Float32Array.from(c.scores);
      assertClose(t.seed(t.needsScores ? s : undefined), c.seed, 1e-5, `${c.target}: seed`);
      assertClose(Float32Array.of(t.value(s)), [c.value], 1e-5, `${c.target}: value`);
    });
  }
});

describe('bad targets: typed errors that say what to do', () => {
  const rejects = (text: string, dims: number[], pattern: RegExp, files: SeedCase['files'] = {}) =>
    assert.rejects(
      async () => bind(text, dims, 'none', files),
      (e: unknown) => e instanceof InvalidOptionError && pattern.test(e.message),
    );

  it('seg: on a classifier output', () => rejects('seg:1', [10], /segmentation output \[N, classes, H, W\].*use class:C/));
  it('class: on a segmentation output', () => rejects('class:1', [3, 4, 4], /use seg:1/));
  it('a class out of range', () => rejects('seg:7', [3, 4, 4], /out of range.*3 classes/));
  it('a mask of the wrong size', () =>
    rejects('seg:1:m.npy', [3, 4, 4], /is \[5, 6\] but the segmentation output is 4×4.*output's size/, {
      'm.npy': { dims: [5, 6], data: new Array(30).fill(1) },
    }));
  it('a reference embedding of the wrong length', () =>
    rejects('similarity:r.npy', [8], /holds 5 values.*8 values per image.*same model and output/, {
      'r.npy': { dims: [5], data: [1, 2, 3, 4, 5] },
    }));
  it('a box target on a model without a detection output', () =>
    rejects('box:1,2,30,40', [10], /raw detection output \[N, 4 \+ classes, anchors\].*a classifier, use class:C/));
  it('a box with its corners swapped', () => rejects('box:30,2,1,40', [7, 10], /x1 < x2 and y1 < y2/));
  it('a box class out of range', () => rejects('box:1,2,30,40:5', [7, 10], /class 5 is out of range.*3 classes/));
  it('binary on a many-output model', () => rejects('binary', [10], /one output value per image/));
  it('raw index out of range', () => rejects('raw:12', [2, 3], /from 0 to 5/));

  it('Score-CAM with a target function, and a target with classes, are refused by name', async () => {
    const ex = await createImageExplainer(loadModel(builtinModel().path));
    try {
      const [, c, h, w] = ex.inputShape;
      const images = [{ tensor: new Float32Array(c * h * w), dims: [c, h, w] }];
      const refused = (options: ExplainOptions, pattern: RegExp) =>
        assert.rejects(
          () => ex.explain(images, { preprocess: 'none', ...options }),
          // InvalidOptionError is an InvalidInputError: both are exit 2 in the CLI.
          (e: unknown) => e instanceof InvalidInputError && pattern.test(e.message),
        );
      await refused({ target: 'prob:0', method: 'scorecam' }, /scores perturbed inputs by class: use class:C/);
      await refused({ target: 'prob:0', classes: [1] }, /replaces classes/);
      await refused({ target: 'output:nope+class:0' }, /not an output of the model; outputs: /);
    } finally {
      await ex.release();
    }
  });

  it('CLI: seg: on a classifier exits 2 with the message', async () => {
    const dir = tempDir('gcam-targets-cli-');
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(new Float32Array(3 * 64 * 64), [1, 3, 64, 64]));
    const r = await runCli(['explain', x, '--preprocess', 'none', '--target', 'seg:1', '--out', join(dir, 'out')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /segmentation output \[N, classes, H, W\].*use class:C/);
  });

  it('CLI: an unknown --det-format and --target with --class exit 2', async () => {
    const dir = tempDir('gcam-targets-cli-');
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(new Float32Array(3 * 64 * 64), [1, 3, 64, 64]));
    const base = ['explain', x, '--preprocess', 'none', '--out', join(dir, 'out')];
    const format = await runCli([...base, '--target', 'det:0', '--det-format', 'yolo9']);
    assert.equal(format.code, 2, format.stderr);
    assert.match(format.stderr, /'yolo9' is unknown; choose auto, yolov8, yolov5/);
    const both = await runCli([...base, '--target', 'prob:0', '--class', '1']);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /--target replaces --class and --top-k/);
  });
});
