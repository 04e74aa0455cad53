/**
 * A CLI run's memory stays flat however many inputs it explains: `gcam explain` over 2 000 small images (20
 * generated scenes, each listed 100 times, so every input is decoded, explained, drawn and written as a file of its
 * own) with the built-in model, and the child's resident set read from /proc when its progress lines report 200 and
 * 2 000 inputs done. The run keeps each input only until its files are written, so RSS after 2 000 must be within
 * 10% of RSS after 200; keeping every result (as the CLI did before it streamed) grows it by far more.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { renderScenePng } from '../src/scenes/render-node.js';
import { generateScene } from '../src/scenes/scene.js';
import { filesIn, tempDir } from './helpers/cli.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const INPUTS = 2000;
const EARLY = 200;
const MAX_GROWTH = 0.1;
const noProc = existsSync('/proc/self/status') ? false : 'needs /proc to read the child process memory';

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('gcam explain memory is flat over a dataset', { skip: noProc }, () => {
  it(`RSS after ${INPUTS} inputs is within ${MAX_GROWTH * 100}% of RSS after ${EARLY}`, async (t) => {
    const dir = tempDir();
    const scenes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const p = join(dir, `s${i}.png`);
      writeFileSync(p, await renderScenePng(generateScene(300 + i)));
      scenes.push(p);
    }
    const list = join(dir, 'list.txt');
    writeFileSync(list, Array.from({ length: INPUTS }, (_, i) => scenes[i % scenes.length]).join('\n'));
    const out = join(dir, 'out');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'explain', '--list', list, '--class', '3', '--out', out], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const rss = new Map<number, number>();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr += chunk;
      // Read at once, while the process is at that point of the run.
      for (const m of chunk.matchAll(/gcam: (\d+)\/\d+ inputs/g)) rss.set(Number(m[1]), rssOf(child.pid!));
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, stderr);
    assert.equal(filesIn(out).length, INPUTS + 1, 'every input written, and the manifest');
    const early = rss.get(EARLY);
    const late = rss.get(INPUTS);
    assert.ok(early && late, `progress lines at ${EARLY} and ${INPUTS}: ${stderr}`);
    const mb = (b: number) => (b / 2 ** 20).toFixed(1);
    const growth = late / early - 1;
    t.diagnostic(`RSS ${mb(early)} MB after ${EARLY} inputs, ${mb(late)} MB after ${INPUTS}`);
    assert.ok(
      growth <= MAX_GROWTH,
      `RSS ${mb(early)} MB after ${EARLY}, ${mb(late)} MB after ${INPUTS} (+${(growth * 100).toFixed(1)}%)`,
    );
  });
});
