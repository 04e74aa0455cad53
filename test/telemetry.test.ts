/**
 * gcam sends nothing: onnxruntime-node's telemetry (on by default on Linux since 1.29) is off unless the user opts in
 * with ORT_DISABLE_TELEMETRY=0. A real CLI run in a fresh TMPDIR and HOME leaves none of its traces (mat-debug-<pid>.log
 * and .ses in TMPDIR, the device id and event database under ~/.cache/Microsoft) and, under strace, connects to no
 * address outside the machine.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MODEL = join(ROOT, 'models/shapes/shapes.onnx');

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
function fresh(): string {
  const d = mkdtempSync(join(tmpdir(), 'gcam-telemetry-'));
  made.push(d);
  return d;
}

/** The environment of a user who never heard of ORT_DISABLE_TELEMETRY, with a fresh TMPDIR and HOME. */
function cleanEnv(extra: Record<string, string> = {}) {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: fresh(), HOME: fresh(), ...extra };
  delete env.XDG_CACHE_HOME;
  if (!('ORT_DISABLE_TELEMETRY' in extra)) delete env.ORT_DISABLE_TELEMETRY;
  return env as NodeJS.ProcessEnv & { TMPDIR: string; HOME: string };
}

/** `gcam layers` compiles a session (onnxruntime starts its telemetry there), optionally under a prefix command. */
function gcamLayers(env: NodeJS.ProcessEnv, prefix: string[] = []) {
  const argv = [...prefix, process.execPath, '--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'layers', MODEL];
  return spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

const traces = (env: { TMPDIR: string; HOME: string }) => [
  ...readdirSync(env.TMPDIR).filter((f) => f.startsWith('mat-debug-') || f === '.ses'),
  ...(existsSync(join(env.HOME, '.cache', 'Microsoft')) ? ['~/.cache/Microsoft'] : []),
];

describe('telemetry', () => {
  it('a CLI run leaves no telemetry traces in a fresh TMPDIR and HOME', () => {
    const env = cleanEnv();
    const r = gcamLayers(env);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(traces(env), []);
  });

  const noStrace = spawnSync('strace', ['-V']).status === 0 ? false : 'strace is not installed (apt-get install strace)';
  it('a CLI run under strace connects to no non-local address', { skip: noStrace }, () => {
    const env = cleanEnv();
    const log = join(fresh(), 'connect.log');
    const r = gcamLayers(env, ['strace', '-f', '-qq', '-e', 'trace=connect', '-o', log]);
    assert.equal(r.status, 0, r.stderr);
    const calls = readFileSync(log, 'utf8')
      .split('\n')
      .filter((l) => l.includes('connect('));
    const remote = calls.filter((l) => /AF_INET6?/.test(l) && !/inet_addr\("127\.|inet_pton\(AF_INET6, "::1"/.test(l));
    assert.deepEqual(remote, []);
  });

  it('ORT_DISABLE_TELEMETRY is set to 1 when unset or empty, and a value the user set (0: opt in) is kept', () => {
    const script = join(fresh(), 'env.mjs');
    writeFileSync(
      script,
      `await import(${JSON.stringify(join(ROOT, 'src/runtime/telemetry-off.ts'))});\nconsole.log(process.env.ORT_DISABLE_TELEMETRY);\n`,
    );
    const value = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--import', 'tsx', script], { env, encoding: 'utf8' }).stdout.trim();
    assert.equal(value(cleanEnv()), '1');
    assert.equal(value(cleanEnv({ ORT_DISABLE_TELEMETRY: '' })), '1');
    assert.equal(value(cleanEnv({ ORT_DISABLE_TELEMETRY: '0' })), '0');
    assert.equal(value(cleanEnv({ ORT_DISABLE_TELEMETRY: '1' })), '1');
  });
});
