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
