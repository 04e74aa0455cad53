/**
 * `gcam explain` over datasets: folders (recursive, sorted, only the extensions gcam reads), quoted patterns, `-`
 * and --list; the manifest (one line per input, class, layer and method, skips in their place); existing files never
 * replaced without --overwrite; and a run killed midway leaves no partial file and resumes (--resume) to exactly the
 * manifest and files of an uninterrupted run. Uses the built-in shapes model on generated scenes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import sharp from 'sharp';
import { renderScenePng } from '../src/scenes/render-node.js';
import { generateScene } from '../src/scenes/scene.js';
import { filesIn, runCli, tempDir } from './helpers/cli.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
// Resolved here: the runs below start in folders outside the project, where 'tsx' would not be found.
const TSX = import.meta.resolve('tsx');

interface Line {
  source: string;
  class?: number;
  label?: string;
  score?: number;
  probability?: number;
  layer?: string;
  method?: string;
  peak?: { x: number; y: number; value: number };
  files?: string[];
  error?: string;
}

const manifestOf = (dir: string): Line[] =>
  readFileSync(join(dir, 'manifest.jsonl'), 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);

function cli(argv: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, ['--import', TSX, MAIN, ...argv], { encoding: 'utf8', ...opts });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('gcam explain takes folders, patterns, stdin and list files', () => {
  let dir: string;
  before(async () => {
    dir = tempDir();
    mkdirSync(join(dir, 'in', 'b'), { recursive: true });
    writeFileSync(join(dir, 'in', 'z.png'), await renderScenePng(generateScene(1)));
    writeFileSync(join(dir, 'in', 'b', 'c.png'), await renderScenePng(generateScene(2)));
    writeFileSync(join(dir, 'in', 'b', 'D.PNG'), await renderScenePng(generateScene(3)));
    writeFileSync(join(dir, 'in', 'notes.txt'), 'not an image');
    writeFileSync(join(dir, 'in', 'b', 'broken.png'), 'not a png either');
  });

  it('a folder: searched recursively in code-point order, other extensions ignored, a broken file skipped in its place', async () => {
    const out = join(dir, 'out-folder');
    const r = await runCli(['explain', join(dir, 'in'), '--top-k', '2', '--out', out, '--json', join(dir, 'f.json')]);
    assert.equal(r.code, 2, 'a skipped input makes the exit code 2');
    const lines = manifestOf(out);
    const rel = (s: string) => s.slice(join(dir, 'in').length + 1);
    assert.deepEqual(
      lines.map((l) => [rel(l.source), l.class === undefined ? 'error' : 'map']),
      [
        ['b/D.PNG', 'map'],
        ['b/D.PNG', 'map'],
        ['b/broken.png', 'error'],
        ['b/c.png', 'map'],
        ['b/c.png', 'map'],
        ['z.png', 'map'],
        ['z.png', 'map'],
      ],
    );
    assert.match(lines[2].error!, /cannot be decoded/);
    for (const l of lines.filter((x) => x.files)) {
      assert.equal(l.method, 'gradcam');
      assert.ok(l.probability! >= 0 && l.probability! <= 1);
      assert.equal(l.peak!.value, 1, 'the peak of a final map is its maximum, 1');
      const meta = await sharp(l.files![0]).metadata();
      assert.ok(l.peak!.x < meta.width! && l.peak!.y < meta.height!);
    }
    const summary = JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8'));
    assert.deepEqual(summary.skipped, [join(dir, 'in', 'b', 'broken.png')]);
    assert.equal(summary.results.length, 6);
  });

  it("a quoted pattern is expanded by gcam; '-' reads paths from stdin; --list reads them from a file", () => {
    const glob = cli(['explain', 'in/**/*.png', '--class', '3', '--out', 'out-glob', '--quiet'], { cwd: dir });
    assert.equal(glob.code, 2, glob.stderr);
    assert.equal(glob.stdout, '', '--quiet prints nothing but errors');
    assert.deepEqual(
      manifestOf(join(dir, 'out-glob')).map((l) => l.source),
      ['in/b/broken.png', 'in/b/c.png', 'in/z.png'],
      'case-sensitive on the pattern: D.PNG is not *.png',
    );
    const stdin = cli(['explain', '-', '--class', '3', '--out', 'out-stdin'], { cwd: dir, input: 'in/z.png\n\nin/b/c.png\r\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    assert.deepEqual(
      manifestOf(join(dir, 'out-stdin')).map((l) => l.source),
      ['in/z.png', 'in/b/c.png'],
    );
    writeFileSync(join(dir, 'list.txt'), 'in/b/c.png\nin/z.png\n');
    const list = cli(['explain', '--list', 'list.txt', '--class', '3', '--out', 'out-list'], { cwd: dir });
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(filesIn(join(dir, 'out-list')), ['c-3.png', 'manifest.jsonl', 'z-3.png']);
    const none = cli(['explain', 'nothing/*.png', '--out', 'out-none'], { cwd: dir });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no file matches the pattern 'nothing\/\*\.png'/);
    assert.ok(!existsSync(join(dir, 'out-none')), 'a run that explains nothing writes nothing');
  });

  it('an existing output is never replaced without --overwrite (refused before any compute); with it, it is', async () => {
    const out = join(dir, 'out-twice');
    const png = join(dir, 'in', 'z.png');
    assert.equal((await runCli(['explain', png, '--class', '3', '--out', out])).code, 0);
    const before = statSync(join(out, 'z-3.png')).mtimeMs;
    const again = await runCli(['explain', png, '--class', '3', '--method', 'scorecam', '--out', out]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already holds 'z-3\.png'.*--overwrite/);
    assert.equal(again.stdout, '', 'nothing computed');
    assert.equal(statSync(join(out, 'z-3.png')).mtimeMs, before);
    const manifestOnly = await runCli(['explain', join(dir, 'in', 'b', 'c.png'), '--out', out]);
    assert.match(manifestOnly.stderr, /manifest\.jsonl' exists; pass --overwrite.*--resume/);
    const forced = await runCli(['explain', png, '--class', '3', '--method', 'scorecam', '--out', out, '--overwrite']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(
      manifestOf(out).map((l) => l.method),
      ['scorecam'],
    );
  });
});

describe('destinations inside a folder the run creates; resuming refuses another method', () => {
  it('--json and --save-cam inside a new --out folder two levels deep: all written, the folder made once', async () => {
    const dir = tempDir();
    const png = join(dir, 'z.png');
    writeFileSync(png, await renderScenePng(generateScene(5)));
    const out = join(dir, 'new', 'deep');
    const r = await runCli([
      'explain',
      png,
      '--class',
      '3',
      '--out',
      out,
      '--json',
      join(out, 's.json'),
      '--save-cam',
      join(out, 'm.npy'),
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(filesIn(out), ['m.npy', 'manifest.jsonl', 's.json', 'z-3.png']);
    const one = join(dir, 'one', 'x.png');
    const many = await runCli(['explain', png, '--top-k', '2', '--out', one]);
    assert.equal(many.code, 2);
    assert.match(many.stderr, /--out .*x\.png names one file but the run makes 2 images; .*--figure/);
    assert.ok(!existsSync(join(dir, 'one')), 'refused before anything was written');
    assert.equal((await runCli(['explain', png, '--top-k', '2', '--figure', '--out', one])).code, 0);
    assert.deepEqual(filesIn(join(dir, 'one')), ['x.png']);
    const resumed = await runCli(['explain', png, '--class', '3', '--out', out, '--method', 'xgradcam', '--resume']);
    assert.equal(resumed.code, 2);
    assert.match(resumed.stderr, /records a run with --method gradcam/);
  });
});

describe('a run killed midway resumes to the manifest and files of an uninterrupted run', () => {
  const INPUTS = 240;
  let dir: string;
  let list: string;
  before(async () => {
    dir = tempDir();
    const scenes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const p = join(dir, `scene${i}.png`);
      writeFileSync(p, await renderScenePng(generateScene(20 + i)));
      scenes.push(p);
    }
    // The same files again and again: each later copy gets its own name (scene0_2…), as separate files would.
    list = join(dir, 'list.txt');
    writeFileSync(list, Array.from({ length: INPUTS }, (_, i) => scenes[i % scenes.length]).join('\n'));
  });

  it(`${INPUTS} inputs: SIGKILL after a few, no partial file; --resume gives the same manifest, byte for byte`, async () => {
    const args = ['explain', '--list', list, '--top-k', '2', '--figure', '--batch-size', '2', '--out', 'out', '--quiet'];
    const full = join(dir, 'full');
    const cut = join(dir, 'cut');
    mkdirSync(full);
    mkdirSync(cut);
    assert.equal(cli(args, { cwd: full }).code, 0);
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: cut, stdio: 'ignore' });
    const manifest = join(cut, 'out', 'manifest.jsonl');
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let killedAt = -1;
    for (let t = 0; t < 60_000 && child.exitCode === null; t += 10) {
      const n = existsSync(manifest) ? readFileSync(manifest, 'utf8').split('\n').length - 1 : 0;
      if (n >= 20) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await exited;
    assert.ok(killedAt > 0, 'the run was killed midway');
    const left = filesIn(join(cut, 'out'));
    assert.ok(left.length < INPUTS + 1, `killed before the end (${left.length} files)`);
    assert.deepEqual(
      left.filter((f) => !/^scene\d(_\d+)?-gcam\.png$/.test(f) && f !== 'manifest.jsonl'),
      [],
      'only whole outputs: no temporary or partial file',
    );
    for (const f of left.filter((x) => x.endsWith('.png'))) await sharp(join(cut, 'out', f)).stats();
    const resumed = cli([...args, '--resume'], { cwd: cut });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readFileSync(manifest, 'utf8'), readFileSync(join(full, 'out', 'manifest.jsonl'), 'utf8'));
    assert.deepEqual(filesIn(join(cut, 'out')), filesIn(join(full, 'out')));
    assert.equal(filesIn(join(full, 'out')).length, INPUTS + 1);
  });
});
