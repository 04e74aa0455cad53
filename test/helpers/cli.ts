/** Running the gcam CLI from tests: in-process through main(argv) (fast), or as a real child process (exit codes). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** main(argv) with console.log / console.error captured (the CLI prints through them only when stderr is not a TTY). */
export async function runCli(argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(' '));
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(' '));
  try {
    const code = await main(argv);
    return { code, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** `node --import tsx src/cli/main.ts ...argv` as a child process: the exit code is the process's own. */
export function runCliProcess(argv: string[]): CliRun {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const made: string[] = [];
process.on('exit', () => {
  if (!process.env.GCAM_KEEP_TEST_OUTPUT) for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder for one test's outputs, removed when the process exits (kept with GCAM_KEEP_TEST_OUTPUT=1). */
export function tempDir(prefix = 'gcam-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Files in a folder (none when it does not exist). */
export function filesIn(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/**
 * `gcam explain <input> --model <model> --preprocess none --layer …` writing the maps to a .npy and the summary to a
 * JSON file in `dir`, the way the reference-map tests call it; returns the run and both paths.
 */
export async function explainToFiles(
  dir: string,
  input: string,
  model: string,
  layers: readonly string[],
  extra: readonly string[] = [],
): Promise<{ run: CliRun; cam: string; json: string }> {
  const cam = join(dir, 'cam.npy');
  const json = join(dir, 'summary.json');
  const run = await runCli([
    'explain',
    input,
    '--model',
    model,
    '--preprocess',
    'none',
    ...layers.flatMap((l) => ['--layer', l]),
    ...extra,
    '--save-cam',
    cam,
    '--json',
    json,
    '--out',
    join(dir, 'out'),
  ]);
  return { run, cam, json };
}
