/**
 * The CLI is all or nothing and exits consistently: every destination is checked before any compute, names never
 * collide, a failure while writing removes what the run wrote, special files and bad .npy inputs are skipped and
 * reported like unreadable images, and bad input of any kind (a model onnxruntime rejects too) exits with 2. Uses the
 * built-in model and the small resnet fixture, so it needs nothing from ../shared.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { GcamError, InvalidModelError, RuntimeError, encodeNpy } from '../src/node.js';
import { renderScenePng } from '../src/scenes/render-node.js';
import { generateScene } from '../src/scenes/scene.js';
import { exitCodeOf } from '../src/cli/errors.js';
import { commitOutputs } from '../src/cli/output/commit.js';
import { filesIn, runCli, tempDir } from './helpers/cli.js';
import { tinyModel } from './helpers/tiny-model.js';

const RESNET = fileURLToPath(new URL('fixtures/e2e/resnet.onnx', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const STACK_TRACE = /\n\s+at /;

/** A scene of a star (class 3, the built-in model's top-1 at 0.99) and a ring. */
async function starScene(path: string, seed = 11): Promise<string> {
  writeFileSync(path, await renderScenePng(generateScene(seed, { classes: [3, 5] })));
  return path;
}

/** The CLI as a child process with a time limit: for runs the old code never finished. */
function runWithin(argv: string[], ms: number): { code: number | null; stderr: string; ms: number } {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...argv], { encoding: 'utf8', timeout: ms });
  return { code: r.status, stderr: r.stderr, ms: Date.now() - t0 };
}

const resultLines = (stdout: string) => stdout.split('\n').filter((l) => / class \d+ /.test(l));

describe('gcam explain checks every destination before any compute, and writes nothing when one is refused', () => {
  let dir: string;
  let png: string;
  before(async () => {
    dir = tempDir();
    png = await starScene(join(dir, 'scene.png'));
  });

  it('--top-k 3 with a folder where one of the images would go: exit 2, nothing written, the model never loaded', async () => {
    const out = join(dir, 'topk');
    mkdirSync(join(out, 'scene-3.png'), { recursive: true });
    const json = join(dir, 'topk.json');
    const r = await runCli(['explain', png, '--top-k', '3', '--out', out, '--json', json]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /scene-3\.png' is a folder/);
    assert.deepEqual(resultLines(r.stdout), [], 'no result was computed');
    assert.deepEqual(filesIn(out), ['scene-3.png'], 'no other image written');
    assert.ok(!existsSync(json));
    // With a model that does not exist, the destination is still what is reported: it is checked first.
    const early = await runCli(['explain', png, '--model', '/nonexistent/m.onnx', '--top-k', '3', '--out', out]);
    assert.equal(early.code, 2);
    assert.match(early.stderr, /scene-3\.png' is a folder/);
    assert.ok(!early.stderr.includes('nonexistent'), early.stderr);
  });

  for (const flag of ['--save-cam', '--json']) {
    it(`${flag} naming a folder: exit 2 before any compute, no image written`, async () => {
      const out = join(dir, `out${flag}`);
      const folder = join(dir, `folder${flag}`);
      mkdirSync(folder);
      for (const model of [[], ['--model', '/nonexistent/m.onnx']]) {
        const r = await runCli(['explain', png, ...model, '--out', out, flag, folder]);
        assert.equal(r.code, 2, r.stderr);
        assert.ok(r.stderr.includes(`${flag}: '${folder}' is a folder`), r.stderr);
        assert.ok(!existsSync(out), 'the image folder was not even created');
      }
    });
  }

  it('--save-cam and --json naming the same file: exit 2, nothing written', async () => {
    const same = join(dir, 'same.out');
    const r = await runCli(['explain', png, '--out', join(dir, 'same'), '--save-cam', same, '--json', same]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--save-cam and --json both name/);
    assert.ok(!existsSync(same) && !existsSync(join(dir, 'same')));
  });

  it('--out through a file (what stops root too): exit 2, the path in the message, no stack trace', async () => {
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const r = await runCli(['explain', png, '--out', join(file, 'sub', 'out')]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`'${file}' is a file, not a folder`), r.stderr);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
  });

  it(
    '--out under a read-only folder: exit 2, the folder and the OS reason in the message, no stack trace',
    { skip: process.getuid?.() === 0 ? 'root ignores folder permissions (the test above covers root)' : false },
    async () => {
      const ro = join(dir, 'read-only');
      mkdirSync(ro);
      chmodSync(ro, 0o555);
      try {
        const r = await runCli(['explain', png, '--out', join(ro, 'sub')]);
        assert.equal(r.code, 2, r.stderr);
        assert.ok(r.stderr.includes(`'${ro}' is not writable (EACCES`), r.stderr);
        assert.doesNotMatch(r.stderr, STACK_TRACE);
        assert.deepEqual(filesIn(ro), []);
      } finally {
        chmodSync(ro, 0o755);
      }
    },
  );

  it(
    '--out /proc/gcam-x (child process): refused within seconds as a kernel file system, exit 2',
    { skip: existsSync('/proc/self') ? false : 'no /proc here' },
    () => {
      const r = runWithin(['explain', png, '--out', '/proc/gcam-x'], 30_000);
      assert.equal(r.code, 2, `exit ${r.code} after ${r.ms} ms: ${r.stderr}`);
      assert.match(r.stderr, /'\/proc' is on the proc file system/);
      assert.ok(r.ms < 10_000, `${r.ms} ms`);
      assert.ok(!existsSync('/proc/gcam-x'));
    },
  );
});

describe('gcam explain output names never collide', () => {
  it('a/x.png, b/x.png and x_2.png: three inputs, three files; a layer given twice: one file per result', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'b'));
    const inputs = [
      await starScene(join(dir, 'a', 'x.png'), 11),
      await starScene(join(dir, 'b', 'x.png'), 12),
      await starScene(join(dir, 'x_2.png'), 13),
    ];
    const out = join(dir, 'out');
    const r = await runCli(['explain', ...inputs, '--class', '3', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    // b/x.png is the second x: x_2 is x_2.png's own stem, so it gets x_3.
    assert.deepEqual(filesIn(out), ['manifest.jsonl', 'x-3.png', 'x_2-3.png', 'x_3-3.png']);
    const [a, b] = ['x-3.png', 'x_3-3.png'].map((f) => readFileSync(join(out, f)));
    assert.ok(!a.equals(b), 'each file holds its own input');

    const twice = join(dir, 'twice');
    const t = await runCli([
      'explain',
      inputs[0],
      '--class',
      '3',
      '--layer',
      'features.7',
      '--layer',
      'features.7',
      '--out',
      twice,
    ]);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual(filesIn(twice), ['manifest.jsonl', 'x-3-2.png', 'x-3.png']);
  });
});

describe('a failure while writing removes what the run wrote', () => {
  it('commitOutputs: a file that cannot be written removes the files and folders written before it', () => {
    const dir = tempDir();
    const made = join(dir, 'made');
    assert.throws(
      () =>
        commitOutputs(
          [
            { flag: 'out', path: join(made, 'first.png'), bytes: 'first' },
            // Its folder was not planned, so the write fails after the first file is in place.
            { flag: 'json', path: join(dir, 'unplanned', 'summary.json'), bytes: '{}' },
          ],
          [made],
        ),
      (e: unknown) => e instanceof GcamError && e.code === 'WRITE_FAILED' && e.message.includes('summary.json'),
    );
    assert.deepEqual(filesIn(dir), []);
  });

  it('commitOutputs: a folder that cannot be created is a typed error naming it and the OS reason', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    const sub = join(dir, 'file', 'sub');
    assert.throws(
      () => commitOutputs([{ flag: 'out', path: join(sub, 'a.png'), bytes: 'a' }], [sub]),
      (e: unknown) => e instanceof GcamError && e.code === 'DESTINATION' && e.message.includes(`'${sub}': ENOTDIR`),
    );
    assert.deepEqual(filesIn(dir), ['file']);
  });
});

describe('special files and bad tensors are skipped and reported like unreadable images', () => {
  const noMkfifo = spawnSync('mkfifo', ['--version']).status === 0 ? false : 'mkfifo is not available';

  it(
    'a FIFO given as an image is refused without being opened (within a second); a folder is skipped too',
    { skip: noMkfifo },
    async () => {
      const dir = tempDir();
      const fifo = join(dir, 'pipe.png');
      assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
      const png = await starScene(join(dir, 'scene.png'));
      const folder = join(dir, 'folder.png');
      mkdirSync(folder);
      const out = join(dir, 'out');
      // unref: a timer left pending after the run won must not keep the test process alive.
      const late = (ms: number) =>
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms).unref());
      try {
        const t0 = Date.now();
        const alone = await Promise.race([runCli(['explain', fifo, '--out', out]), late(1000)]);
        assert.ok(Date.now() - t0 < 1000);
        assert.equal(alone.code, 2);
        assert.ok(alone.stderr.includes(`skipped ${fifo}: Image '${fifo}' is a FIFO, not a file.`), alone.stderr);
        const r = await Promise.race([runCli(['explain', fifo, folder, png, '--class', '3', '--out', out]), late(20_000)]);
        assert.equal(r.code, 2, r.stderr);
        // A folder is searched for inputs: this one holds none, and is reported in its place.
        assert.ok(r.stderr.includes(`skipped ${folder}: folder '${folder}' holds no input`), r.stderr);
        assert.deepEqual(filesIn(out), ['manifest.jsonl', 'scene-3.png']);
      } finally {
        // A reader the old code left blocked on the FIFO gets its end of file, so this process can exit.
        try {
          closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
        } catch {
          // No reader: nothing was blocked.
        }
      }
    },
  );

  it('.npy inputs with a dimension 0, or a shape the model does not take: skipped and reported, the good one runs', async () => {
    const dir = tempDir();
    const npy = (name: string, dims: number[]) => {
      const path = join(dir, name);
      const n = dims.reduce((a, b) => a * b, 1);
      writeFileSync(
        path,
        encodeNpy(
          Float32Array.from({ length: n }, (_, i) => Math.sin(i)),
          dims,
        ),
      );
      return path;
    };
    const empty = npy('empty.npy', [0, 3, 64, 64]);
    const flat = npy('flat.npy', [3, 0, 64]);
    const small = npy('small.npy', [3, 8, 8]);
    const good = npy('good.npy', [3, 64, 64]);
    const out = join(dir, 'out');
    const json = join(dir, 'summary.json');
    const r = await runCli([
      'explain',
      empty,
      flat,
      small,
      good,
      '--model',
      RESNET,
      '--preprocess',
      'none',
      '--class',
      '3',
      '--out',
      out,
      '--json',
      json,
    ]);
    assert.equal(r.code, 2, r.stderr);
    // The message is the CLI's own or parseNpy's, whichever refuses the empty dimension first.
    for (const bad of [empty, flat]) assert.match(r.stderr, new RegExp(`skipped ${bad}: .*dimension`));
    assert.ok(r.stderr.includes(`skipped ${small}: '${small}' is [3, 8, 8]; the model takes [3, 64, 64].`), r.stderr);
    assert.deepEqual(filesIn(out), ['good-3.png', 'manifest.jsonl']);
    assert.deepEqual(JSON.parse(readFileSync(json, 'utf8')).skipped.sort(), [empty, flat, small].sort());
  });
});

describe('exit codes: 2 for bad input of any kind, 1 only for failures of gcam itself', () => {
  it('demo --seed beyond a safe 31-bit integer, or negative: a usage error, exit 2, no stack trace', async () => {
    for (const seed of ['1e308', '2147483648', '-1', '1.5']) {
      const out = join(tempDir(), 'out');
      const r = await runCli(['demo', `--seed=${seed}`, '--out', out]);
      assert.equal(r.code, 2, `--seed ${seed}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`--seed must be an integer from 0 to 2147483647; got '${seed}'.`), r.stderr);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
      assert.ok(!existsSync(out));
    }
  });

  it('a model onnxruntime rejects (a Conv whose weights do not fit its input) is bad input: explain and layers exit 2', async () => {
    const dir = tempDir();
    const model = join(dir, 'mismatch.onnx');
    writeFileSync(
      model,
      tinyModel({
        inputs: [{ name: 'x', dims: [1, 1, 4, 4] }],
        outputs: ['y'],
        nodes: [
          { op: 'Conv', inputs: ['x', 'w'], outputs: ['f'] },
          { op: 'GlobalAveragePool', inputs: ['f'], outputs: ['g'] },
          { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
        ],
        initializers: [{ name: 'w', dims: [2, 3, 3, 3], values: new Array(54).fill(0.1) }],
      }),
    );
    const x = join(dir, 'x.npy');
    writeFileSync(x, encodeNpy(new Float32Array(16), [1, 4, 4]));
    const explain = await runCli(['explain', x, '--model', model, '--preprocess', 'none', '--out', join(dir, 'out')]);
    assert.equal(explain.code, 2, explain.stderr);
    assert.match(explain.stderr, /onnxruntime/);
    const layers = await runCli(['layers', model]);
    assert.equal(layers.code, 2, layers.stderr);
    assert.deepEqual(filesIn(dir), ['mismatch.onnx', 'x.npy']);
  });

  it('the mapping: typed bad-input errors → 2; onnxruntime failing on a model it had accepted, or anything untyped → 1', () => {
    assert.equal(exitCodeOf(new InvalidModelError('m')), 2);
    assert.equal(exitCodeOf(new GcamError('WRITE_FAILED', 'w')), 2);
    assert.equal(exitCodeOf(new RuntimeError('r')), 1);
    assert.equal(exitCodeOf(new TypeError('t')), 1);
  });
});
