/**
 * Files a model or a user names cannot be turned against the machine: external data `location`s stay inside the
 * model's folder (no '..', no absolute path, no symlink out, regular files only, only the tensor's own byte range
 * read), the runtime's copy of an explain model lives in a private temporary folder and nothing of the user's is
 * deleted, special files (FIFOs, /dev/zero) are refused before they are opened, and atomic writes never follow a
 * planted symlink. Cases that would hang on a special file run in a child process with a timeout.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
  ftruncateSync,
} from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it, mock } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ExplainSession, GcamError, InvalidModelError, loadModel, nodeRuntime, writeFileAtomic } from '../src/node.js';
import { ModelProtoType } from '../src/onnx/schema.js';
import type { ModelProto } from '../src/onnx/types.js';
import { makeTempFolder, removeTempFolder } from '../src/files/temp-folders.js';
import { tinyModel } from './helpers/tiny-model.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const VICTIM_TEXT = 'precious victim data that gcam must never read, delete or replace\n';
const W = new Float32Array([2, -3]);

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function fresh(prefix = 'gcam-sec-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** x [N,1,3,3] → Conv(w [2,1,1,1] float, 8 bytes, external) → Relu → GAP → Flatten, with the given external entries. */
function writeModel(dir: string, entries: Record<string, string>): string {
  const bytes = tinyModel({
    inputs: [{ name: 'x', dims: ['N', 1, 3, 3] }],
    outputs: ['y'],
    nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['a'], name: 'conv' },
      { op: 'Relu', inputs: ['a'], outputs: ['r'], name: 'relu' },
      { op: 'GlobalAveragePool', inputs: ['r'], outputs: ['p'], name: 'gap' },
      { op: 'Flatten', inputs: ['p'], outputs: ['y'], name: 'flat' },
    ],
    initializers: [{ name: 'w', dims: [2, 1, 1, 1], values: [0, 0] }],
  });
  const model = ModelProtoType.decode(bytes) as unknown as ModelProto;
  const w = model.graph!.initializer![0];
  delete w.raw_data;
  w.data_location = 1;
  w.external_data = Object.entries(entries).map(([key, value]) => ({ key, value }));
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, ModelProtoType.encode(ModelProtoType.fromObject(model)).finish());
  return path;
}

/** 8 bytes of padding, then w: the layout `offset 8, length 8` reads. */
function writeWeights(path: string): void {
  writeFileSync(path, new Uint8Array(new Float32Array([99, 99, ...W]).buffer));
}

/** A folder with a victim file beside the model's folder: root/victim.txt, root/tmp (TMPDIR), root/a/m/model.onnx. */
function victimLayout() {
  const root = fresh();
  const victim = join(root, 'victim.txt');
  writeFileSync(victim, VICTIM_TEXT);
  mkdirSync(join(root, 'tmp'));
  return { root, victim, tmp: join(root, 'tmp'), modelDir: join(root, 'a', 'm'), ino: statSync(victim).ino };
}

function assertUntouched(victim: string, ino: number): void {
  assert.ok(lstatSync(victim).isFile(), 'the victim is still a regular file, not a link');
  assert.equal(statSync(victim).ino, ino, 'the victim is the same file');
  assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT);
}

/** Runs fn with TMPDIR pointing at dir (os.tmpdir() reads it on every call). */
async function withTmpdir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

const isModelError =
  (...parts: string[]) =>
  (e: unknown) =>
    e instanceof InvalidModelError && parts.every((p) => e.message.includes(p));

/** loadModel, then compile an explain session, as `gcam explain` does. */
async function loadAndCompile(path: string): Promise<void> {
  const ex = await ExplainSession.create(nodeRuntime(), loadModel(path), { targets: ['a'], inputShape: [1, 1, 3, 3] });
  await ex.release();
}

describe('external data locations stay inside the model folder', () => {
  for (const [name, location] of [
    ["'..' out of the folder", '../../victim.txt'],
    ['an absolute path', 'ABSOLUTE'],
    ['a Windows-style escape', '..\\..\\victim.txt'],
  ] as const) {
    it(`${name}: refused naming the location; the victim is untouched and TMPDIR left empty`, async () => {
      const { victim, tmp, modelDir, ino } = victimLayout();
      const loc = location === 'ABSOLUTE' ? victim : location;
      const model = writeModel(modelDir, { location: loc, offset: '8', length: '8' });
      await withTmpdir(tmp, () => assert.rejects(() => loadAndCompile(model), isModelError(`'${loc}'`, 'inside the model')));
      assertUntouched(victim, ino);
      assert.deepEqual(readdirSync(tmp), []);
      assert.deepEqual(readdirSync(modelDir), ['model.onnx']);
    });
  }

  it('a symlink in the folder that leads out: refused naming it; the victim and the symlink are untouched', async () => {
    const { victim, tmp, modelDir, ino } = victimLayout();
    const model = writeModel(modelDir, { location: 'link.bin', offset: '8', length: '8' });
    symlinkSync(victim, join(modelDir, 'link.bin'));
    await withTmpdir(tmp, () => assert.rejects(() => loadAndCompile(model), isModelError("'link.bin'", 'symbolic link')));
    assertUntouched(victim, ino);
    assert.equal(lstatSync(join(modelDir, 'link.bin')).isSymbolicLink(), true);
  });

  it('the runtime placer re-checks a hand-built model: nothing outside its private folder is deleted', async () => {
    const { victim, tmp, modelDir, ino } = victimLayout();
    const model = writeModel(modelDir, { location: 'w.bin', offset: '8', length: '8' });
    const bytes = readFileSync(model);
    await withTmpdir(tmp, () =>
      assert.rejects(
        () => nodeRuntime().createSession(bytes, { externalData: { baseDir: modelDir, files: ['../../victim.txt'] } }),
        isModelError('../../victim.txt', modelDir),
      ),
    );
    assertUntouched(victim, ino);
    assert.deepEqual(readdirSync(tmp), []);
  });

  it('a symlink that stays inside the folder and a data file in a subfolder still work; nothing is left behind', async () => {
    const { tmp, modelDir } = victimLayout();
    mkdirSync(join(modelDir, 'weights'), { recursive: true });
    writeWeights(join(modelDir, 'weights', 'w.bin'));
    symlinkSync('weights/w.bin', join(modelDir, 'alias.bin'));
    const model = writeModel(modelDir, { location: 'alias.bin', offset: '8', length: '8' });
    const before = readdirSync(modelDir).sort();
    await withTmpdir(tmp, () => loadAndCompile(model));
    assert.deepEqual(Array.from(loadModel(model).proto.graph!.initializer![0].raw_data!), Array.from(new Uint8Array(W.buffer)));
    assert.deepEqual(readdirSync(modelDir).sort(), before, 'no file written beside the model');
    assert.deepEqual(readdirSync(tmp), [], 'the private folder is removed once the session exists');
  });

  it('across file systems the data is copied into the private folder (hard links impossible), beside the model nothing', async (t) => {
    const modelDir = join(fresh(), 'm');
    const model = writeModel(modelDir, { location: 'w.bin', offset: '8', length: '8' });
    writeWeights(join(modelDir, 'w.bin'));
    if (!existsSync('/dev/shm') || statSync('/dev/shm').dev === statSync(modelDir).dev)
      return t.skip('no second file system (/dev/shm) to put TMPDIR on');
    const tmp = mkdtempSync('/dev/shm/gcam-sec-');
    made.push(tmp);
    await withTmpdir(tmp, () => loadAndCompile(model));
    assert.deepEqual(readdirSync(modelDir).sort(), ['model.onnx', 'w.bin']);
    assert.deepEqual(readdirSync(tmp), []);
  });
});

describe('external data ranges are checked against the tensor and the file', () => {
  const cases: [string, Record<string, string>, string[]][] = [
    ['offset + length past the end of the file', { offset: '12', length: '8' }, ["'w.bin' has 16 bytes", 'bytes 12 to 20']],
    [
      'a length that is not the tensor byte size (2×1×1×1 float = 8)',
      { offset: '0', length: '12' },
      ['declares 12 bytes', 'needs 8'],
    ],
    ['a negative offset', { offset: '-8', length: '8' }, ["offset '-8'"]],
    ['a non-numeric length', { offset: '8', length: '8abc' }, ["length '8abc'"]],
  ];
  for (const [name, entries, parts] of cases) {
    it(`${name} → InvalidModelError naming the tensor`, () => {
      const dir = fresh();
      const model = writeModel(dir, { location: 'w.bin', ...entries });
      writeWeights(join(dir, 'w.bin'));
      assert.throws(() => loadModel(model), isModelError("tensor 'w'", ...parts));
    });
  }

  it('only the tensor range is read: 8 bytes at 2 GiB + 100 of a 3 GiB sparse file load at once', (t) => {
    const dir = fresh();
    const model = writeModel(dir, { location: 'big.bin', offset: String(2 ** 31 + 100), length: '8' });
    const fd = openSync(join(dir, 'big.bin'), 'w');
    try {
      ftruncateSync(fd, 3 * 2 ** 30);
      writeSync(fd, new Uint8Array(W.buffer), 0, 8, 2 ** 31 + 100);
    } finally {
      closeSync(fd);
    }
    const t0 = performance.now();
    const decoded = loadModel(model);
    const ms = performance.now() - t0;
    t.diagnostic(`loaded in ${ms.toFixed(1)} ms`);
    assert.deepEqual(Array.from(decoded.proto.graph!.initializer![0].raw_data!), Array.from(new Uint8Array(W.buffer)));
    assert.ok(ms < 1000, `took ${ms} ms`);
  });
});

/** What one probe case gave in the child process: the error class and message, or ok, and the time it took. */
interface ProbeResult {
  name: string;
  error?: string;
  message?: string;
  code?: number;
  ms: number;
}

/**
 * Runs the cases in a child process (a blocked read there cannot hang this one) and returns each outcome. A case is
 * [name, 'model' | 'image' | 'info', path]; 'info' is `gcam info <path>` through the CLI's main().
 */
function probe(cases: [string, 'model' | 'image' | 'info', string][]): ProbeResult[] {
  const dir = fresh();
  const script = join(dir, 'probe.mjs');
  writeFileSync(
    script,
    `const { loadModel, readImage } = await import(${JSON.stringify(join(ROOT, 'src/node.ts'))});
const out = [];
let main;
for (const [name, kind, path] of JSON.parse(process.argv[2])) {
  if (kind === 'info') main ??= (await import(${JSON.stringify(join(ROOT, 'src/cli/main.ts'))})).main;
  const t0 = performance.now();
  const errors = [];
  const error = console.error;
  try {
    if (kind === 'model') loadModel(path);
    else if (kind === 'image') await readImage(path);
    else {
      console.error = (...a) => errors.push(a.join(' '));
      const code = await main(['info', path]);
      console.error = error;
      out.push({ name, code, message: errors.join('\\n'), ms: performance.now() - t0 });
      continue;
    }
    out.push({ name, ms: performance.now() - t0 });
  } catch (e) {
    console.error = error;
    out.push({ name, error: e.constructor.name, message: e.message, ms: performance.now() - t0 });
  }
}
console.log(JSON.stringify(out));
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0, `the probe process ${r.signal ? `was killed (${r.signal}): a read blocked` : 'failed'}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ProbeResult[];
}

function mkfifo(path: string): string | undefined {
  const r = spawnSync('mkfifo', [path]);
  return r.status === 0 ? undefined : `mkfifo is unavailable (${r.error?.message ?? r.stderr})`;
}

describe('special files are refused before they are opened, within a second', () => {
  const dir = fresh();
  const fifo = join(dir, 'pipe.png');
  const noFifo = mkfifo(fifo);

  it('/dev/zero as a model, as an image, as an external data location (directly or through a symlink)', (t) => {
    const absolute = writeModel(join(dir, 'abs'), { location: '/dev/zero', offset: '0', length: '8' });
    const viaLink = writeModel(join(dir, 'link'), { location: 'zero.bin', offset: '0', length: '8' });
    symlinkSync('/dev/zero', join(dir, 'link', 'zero.bin'));
    const results = probe([
      ['model /dev/zero', 'model', '/dev/zero'],
      ['image /dev/zero', 'image', '/dev/zero'],
      ['location /dev/zero', 'model', absolute],
      ['location zero.bin → /dev/zero', 'model', viaLink],
      ['gcam info, location zero.bin → /dev/zero', 'info', viaLink],
    ]);
    for (const r of results) t.diagnostic(`${r.name}: refused in ${r.ms.toFixed(2)} ms`);
    const [model, image, abs, link, info] = results;
    assert.equal(model.error, 'InvalidModelError');
    assert.match(model.message!, /'\/dev\/zero' is a character device, not a regular file/);
    assert.equal(image.error, 'ImageReadError');
    assert.match(image.message!, /Image '\/dev\/zero' is a character device/);
    assert.equal(abs.error, 'InvalidModelError');
    assert.match(abs.message!, /'\/dev\/zero' is not a relative path inside the model's folder/);
    assert.equal(link.error, 'InvalidModelError');
    assert.match(link.message!, /'zero.bin' is a symbolic link that leads outside/);
    assert.equal(info.code, 2);
    assert.match(info.message!, /^gcam: Model file .* 'zero.bin' is a symbolic link/);
    for (const r of results) assert.ok(r.ms < 1000, `${r.name} took ${r.ms} ms`);
  });

  it('a FIFO as an image, as a model and as an external data file', { skip: noFifo }, (t) => {
    const pipeModel = writeModel(join(dir, 'fifo'), { location: 'pipe.bin', offset: '0', length: '8' });
    assert.equal(mkfifo(join(dir, 'fifo', 'pipe.bin')), undefined);
    const results = probe([
      ['image FIFO', 'image', fifo],
      ['model FIFO', 'model', fifo],
      ['external data FIFO', 'model', pipeModel],
    ]);
    for (const r of results) t.diagnostic(`${r.name}: refused in ${r.ms.toFixed(2)} ms`);
    const [image, model, ext] = results;
    assert.equal(image.error, 'ImageReadError');
    assert.ok(image.message!.includes(`Image '${fifo}' is a named pipe (FIFO), not a regular file`), image.message);
    assert.equal(model.error, 'InvalidModelError');
    assert.ok(model.message!.includes(`Model file '${fifo}' is a named pipe`), model.message);
    assert.equal(ext.error, 'InvalidModelError');
    assert.match(ext.message!, /tensor 'w': external data file 'pipe.bin' is a named pipe/);
    for (const r of results) assert.ok(r.ms < 1000, `${r.name} took ${r.ms} ms`);
  });

  it('a folder as a model → InvalidModelError naming it', () => {
    assert.throws(() => loadModel(dir), isModelError(`'${dir}' is a folder`));
  });
});

describe('writeFileAtomic never follows a symlink planted at its temporary name', () => {
  it('symlinks at every name the old pid+time scheme could pick (next 3 s) leave their target untouched', () => {
    const dir = fresh();
    const victim = join(fresh(), 'victim.txt');
    writeFileSync(victim, VICTIM_TEXT);
    const dest = join(dir, 'summary.json');
    const now = Date.now();
    for (let ms = now; ms < now + 3000; ms++) symlinkSync(victim, join(dir, `.summary.json.${process.pid}.${ms}.tmp`));
    writeFileAtomic(dest, '{"ok":true}\n');
    assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT);
    assert.ok(lstatSync(dest).isFile(), 'the destination is a regular file, not a renamed symlink');
    assert.equal(readFileSync(dest, 'utf8'), '{"ok":true}\n');
    assert.equal(readdirSync(dir).length, 3001, 'only the destination was added');
  });

  it('the temporary file is created exclusively: a symlink at the exact name makes the write fail, untouched', () => {
    const dir = fresh();
    const victim = join(fresh(), 'victim.txt');
    writeFileSync(victim, VICTIM_TEXT);
    const fixed = Buffer.alloc(12, 0xab);
    const planted = join(dir, `.out.png.${fixed.toString('hex')}.tmp`);
    symlinkSync(victim, planted);
    const stub = mock.method(crypto, 'randomBytes', () => fixed);
    syncBuiltinESMExports();
    try {
      assert.throws(
        () => writeFileAtomic(join(dir, 'out.png'), new Uint8Array([1, 2, 3])),
        (e: unknown) => e instanceof GcamError && e.code === 'WRITE_FAILED' && e.message.includes('out.png'),
      );
      assert.equal(stub.mock.callCount(), 1, 'the name comes from crypto.randomBytes');
    } finally {
      stub.mock.restore();
      syncBuiltinESMExports();
    }
    assert.equal(readFileSync(victim, 'utf8'), VICTIM_TEXT);
    assert.ok(lstatSync(planted).isSymbolicLink(), "someone else's file at the name is not removed");
    assert.equal(existsSync(join(dir, 'out.png')), false);
  });

  it('a failed rename removes its own temporary file (destination is a folder)', () => {
    const dir = fresh();
    mkdirSync(join(dir, 'out.png'));
    assert.throws(() => writeFileAtomic(join(dir, 'out.png'), new Uint8Array([1])), GcamError);
    assert.deepEqual(readdirSync(dir), ['out.png']);
  });
});

describe('private temporary folders', () => {
  it('are removed by removeTempFolder, and the process handlers go with the last one', () => {
    const listeners = process.listenerCount('SIGINT');
    const a = makeTempFolder('gcam-sec-');
    const b = makeTempFolder('gcam-sec-');
    assert.equal((statSync(a).mode & 0o777).toString(8), '700');
    assert.equal(process.listenerCount('SIGINT'), listeners + 1);
    removeTempFolder(a);
    removeTempFolder(b);
    assert.equal(existsSync(a) || existsSync(b), false);
    assert.equal(process.listenerCount('SIGINT'), listeners);
  });

  for (const ending of ['SIGINT', 'SIGTERM', 'exit'] as const) {
    it(`are removed when the process ends by ${ending}`, () => {
      const dir = fresh();
      const script = join(dir, 'ends.mjs');
      writeFileSync(
        script,
        `const { makeTempFolder } = await import(${JSON.stringify(join(ROOT, 'src/files/temp-folders.ts'))});
console.log(makeTempFolder('gcam-sec-end-'));
${ending === 'exit' ? 'process.exit(3);' : `process.kill(process.pid, '${ending}'); setTimeout(() => {}, 5000);`}
`,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
      const made = r.stdout.trim();
      assert.ok(made.includes('gcam-sec-end-'), r.stderr);
      assert.equal(existsSync(made), false, `${made} is left`);
      if (ending === 'exit') assert.equal(r.status, 3);
      else assert.equal(r.signal, ending, 'the default action (termination by the signal) is kept');
    });
  }
});
