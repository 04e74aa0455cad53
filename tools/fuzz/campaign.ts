/**
 * A campaign: cases generated from a seed, run `jobs` at a time under the limits, classified, and every finding
 * written out with its reproducer. Shared by tools/fuzz/run.ts (npm run fuzz) and test/fuzz.test.ts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { classifyCli, classifyLibrary, type LibraryEvidence } from './classify.js';
import { caseEnv, residentBytes, runLimited, watch, type Limits } from './exec.js';
import { generateDicomCase } from './gen-dicom.js';
import { generateImageCase } from './gen-images.js';
import { generateLabelsCase } from './gen-labels.js';
import { generateLibraryCase } from './gen-library.js';
import { generateModelCase } from './gen-models.js';
import { generateNiftiCase } from './gen-nifti.js';
import { generateNpyCase } from './gen-npy.js';
import { generateOptionsCase } from './gen-options.js';
import { generateSignalCase } from './gen-signals.js';
import type { LibraryResult } from './library-worker.js';
import { expandArgv, materialize } from './materialize.js';
import { CASE_TMP_PRELOAD, CLI_MAIN, ROOT, TSX_LOADER } from './paths.js';
import { Rng } from './rng.js';
import { ACCEPTED, CLASSES, type CliCase, type FuzzCase, type Kind, type LibraryCase, type Outcome } from './types.js';

const GENERATORS: Record<Kind, (rng: Rng, id: string) => FuzzCase> = {
  models: generateModelCase,
  images: generateImageCase,
  npy: generateNpyCase,
  labels: generateLabelsCase,
  options: generateOptionsCase,
  library: generateLibraryCase,
  dicom: generateDicomCase,
  nifti: generateNiftiCase,
  signals: generateSignalCase,
};

/** Case `index` of `kind` under `seed`: the same whatever else the campaign holds. */
export function generateCase(seed: number, kind: Kind, index: number): FuzzCase {
  return GENERATORS[kind](Rng.forCase(seed, kind, index), `${kind}-${seed}-${index}`);
}

/** `n` cases, the kinds taken in turn. */
export function generateCases(seed: number, n: number, kinds: readonly Kind[]): FuzzCase[] {
  return Array.from({ length: n }, (_, i) => generateCase(seed, kinds[i % kinds.length], Math.floor(i / kinds.length)));
}

export interface RunOptions extends Limits {
  jobs: number;
  /** Where case folders are made (each removed after its case unless `keep`). */
  workDir: string;
  /** Where findings are written with their reproducers; undefined: nowhere. */
  findingsDir?: string;
  keep?: boolean;
  onOutcome?: (c: FuzzCase, o: Outcome) => void;
}

/** Every file (not folder) under dir, case-relative, with what identifies its version; the TMPDIR subtree apart. */
function snapshot(dir: string, skip: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (p === skip) continue;
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(relative(dir, p), `${st.ino}:${st.size}:${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

function listAll(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true }).map(String);
  } catch {
    return [];
  }
}

/** The --save-cam and --json destinations of an argv, case-relative. */
function sideOutputs(argv: readonly string[], caseDir: string): string[] {
  const out: string[] = [];
  argv.forEach((a, i) => {
    const eq = /^--(?:save-cam|json)=(.*)$/s.exec(a);
    const value = eq ? eq[1] : (a === '--save-cam' || a === '--json') && i + 1 < argv.length ? argv[i + 1] : undefined;
    if (value !== undefined) out.push(relative(caseDir, resolve(caseDir, value)));
  });
  return out;
}

/** The files a manifest's lines name, case-relative; a torn or foreign line names none. */
function recordedIn(manifest: string, caseDir: string): string[] {
  let text = '';
  try {
    text = readFileSync(manifest, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      const files = (JSON.parse(line) as { files?: unknown }).files;
      return Array.isArray(files) ? files.map((f) => relative(caseDir, resolve(caseDir, String(f)))) : [];
    } catch {
      return [];
    }
  });
}

const NODE_FLAGS = ['--import', TSX_LOADER, '--import', CASE_TMP_PRELOAD];

/** The command that runs a CLI case from its folder. */
export function cliCommand(argv: readonly string[]): string[] {
  return [process.execPath, ...NODE_FLAGS, CLI_MAIN, ...argv];
}

/** Folder of the temporary files of a case's process: deeper than any '../' a generated path holds (see gen-models). */
const TMP_SUBDIR = 't/1/2/3/4/5/6/7';

async function runCliCase(c: CliCase, caseDir: string, limits: Limits): Promise<Outcome> {
  rmSync(caseDir, { recursive: true, force: true });
  try {
    await materialize(c, caseDir);
  } catch (e) {
    throw new Error(`fuzz: cannot build the inputs of case ${c.id} (a generator bug): ${(e as Error).message}`, { cause: e });
  }
  const tmp = join(caseDir, TMP_SUBDIR);
  mkdirSync(tmp, { recursive: true });
  const skip = join(caseDir, 't');
  const before = snapshot(caseDir, skip);
  const argv = expandArgv(c.argv, caseDir);
  const [cmd, ...args] = cliCommand(argv);
  const r = await runLimited(cmd, args, caseDir, caseEnv(tmp), limits);
  const after = snapshot(caseDir, skip);
  const created = [...after].filter(([p, sig]) => before.get(p) !== sig).map(([p]) => p);
  // What the run says it wrote: its 'wrote' lines, and (with --quiet too) the files its manifests record.
  const manifests = created.filter((p) => basename(p) === 'manifest.jsonl');
  const reported = [
    ...r.stdout
      .split('\n')
      .flatMap((l) => (l.startsWith('wrote ') ? [relative(caseDir, resolve(caseDir, l.slice('wrote '.length)))] : [])),
    ...manifests.flatMap((m) => recordedIn(join(caseDir, m), caseDir)),
  ];
  const side = [...sideOutputs(argv, caseDir), ...manifests];
  const v = classifyCli({ ...r, created, reported, sideOutputs: side, expectOutputs: c.expectOutputs });
  const tmpLeft = listAll(tmp);
  return {
    id: c.id,
    kind: c.kind,
    class: v.class,
    reason: v.reason,
    exitCode: r.code,
    signal: r.signal,
    ms: r.ms,
    peakRssMiB: Math.round(r.peakRssBytes / 2 ** 20),
    stderrHead: r.stderr.slice(0, 4000),
    ...(v.leftovers ? { leftovers: v.leftovers } : {}),
    ...(tmpLeft.length ? { tmpLeft: tmpLeft.slice(0, 20) } : {}),
  };
}

/** A forked library worker, restarted after a case kills it. */
class LibraryWorker {
  private child?: ChildProcess;
  private stderr = '';
  constructor(private readonly tmp: string) {}

  private start(): Promise<ChildProcess> {
    mkdirSync(this.tmp, { recursive: true });
    const child = fork(join(ROOT, 'tools/fuzz/library-worker.ts'), [], {
      execArgv: NODE_FLAGS,
      env: caseEnv(this.tmp),
      cwd: this.tmp,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      if (this.stderr.length < 1 << 16) this.stderr += b.toString('utf8');
    });
    return new Promise((res, rej) => {
      child.once('message', () => res(child));
      child.once('exit', (code) =>
        rej(new Error(`library worker exited (${code}) before it was ready: ${this.stderr.slice(0, 2000)}`)),
      );
    });
  }

  async run(c: LibraryCase, caseDir: string, limits: Limits): Promise<Outcome> {
    this.child ??= await this.start();
    const child = this.child;
    const t0 = Date.now();
    const w = watch(child, limits, 'VmRSS');
    const ev = await new Promise<LibraryEvidence>((res) => {
      const onMessage = (m: LibraryResult) => done({ result: m, exitCode: null, signal: null });
      const onExit = (code: number | null, signal: string | null) => done({ exitCode: code, signal });
      const done = (x: Omit<LibraryEvidence, 'timedOut' | 'overMemory'>) => {
        child.off('message', onMessage);
        child.off('exit', onExit);
        w.stop();
        res({ ...x, timedOut: w.state.timedOut, overMemory: w.state.overMemory });
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      child.send({ case: c, caseDir });
    });
    if (!ev.result) this.child = undefined;
    const v = classifyLibrary(ev);
    return {
      id: c.id,
      kind: 'library',
      class: v.class,
      reason: v.reason,
      exitCode: ev.exitCode,
      signal: ev.signal,
      ms: Date.now() - t0,
      peakRssMiB: Math.round(Math.max(w.state.peak, child.pid ? residentBytes(child.pid, 'VmRSS') : 0) / 2 ** 20),
      stderrHead: (ev.result?.stack ?? ev.result?.message ?? this.stderr).slice(0, 4000),
    };
  }

  stop(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
  }
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** findings/<id>/: case.json, outcome.json, stderr.txt, the inputs rebuilt in case/, and repro.sh that reruns it. */
export async function writeFinding(c: FuzzCase, o: Outcome, findingsDir: string): Promise<string> {
  const dir = join(findingsDir, c.id);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const caseDir = join(dir, 'case');
  let command: string;
  if (c.kind === 'library') {
    mkdirSync(caseDir, { recursive: true });
    command = [process.execPath, ...NODE_FLAGS, join(ROOT, 'tools/fuzz/library-worker.ts'), join(dir, 'case.json')]
      .map(shQuote)
      .join(' ');
  } else {
    await materialize(c, caseDir);
    command = cliCommand(expandArgv(c.argv, caseDir)).map(shQuote).join(' ');
  }
  writeFileSync(join(dir, 'case.json'), JSON.stringify(c, null, 2) + '\n');
  writeFileSync(join(dir, 'outcome.json'), JSON.stringify({ ...o, command }, null, 2) + '\n');
  writeFileSync(join(dir, 'stderr.txt'), o.stderrHead);
  const sh = join(dir, 'repro.sh');
  const tmp = join(caseDir, TMP_SUBDIR);
  writeFileSync(
    sh,
    `#!/bin/sh\n# ${c.note.replaceAll('\n', ' ')}\n# ${o.class}: ${o.reason.replaceAll('\n', ' ')}\n` +
      `mkdir -p ${shQuote(tmp)} && cd ${shQuote(caseDir)} && GCAM_FUZZ_TMPDIR=${shQuote(tmp)} exec ${command}\n`,
  );
  chmodSync(sh, 0o755);
  return dir;
}

/** Runs the cases, `jobs` at a time; outcomes in case order. */
export async function runCases(cases: readonly FuzzCase[], opts: RunOptions): Promise<Outcome[]> {
  mkdirSync(opts.workDir, { recursive: true });
  const outcomes: Outcome[] = new Array(cases.length);
  let next = 0;
  const slot = async (k: number) => {
    const lib = new LibraryWorker(join(opts.workDir, `library-${k}`, TMP_SUBDIR));
    try {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i];
        const caseDir = join(opts.workDir, c.id);
        if (c.kind === 'library') mkdirSync(caseDir, { recursive: true });
        const o = c.kind === 'library' ? await lib.run(c, caseDir, opts) : await runCliCase(c, caseDir, opts);
        outcomes[i] = o;
        if (opts.findingsDir && !ACCEPTED.includes(o.class)) await writeFinding(c, o, opts.findingsDir);
        if (!opts.keep) rmSync(caseDir, { recursive: true, force: true });
        opts.onOutcome?.(c, o);
      }
    } finally {
      lib.stop();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.jobs) }, (_, k) => slot(k)));
  return outcomes;
}

/** The summary table: one row per kind, one column per class seen (ok and typed-error always). */
export function summaryTable(outcomes: readonly Outcome[]): string {
  const kinds = [...new Set(outcomes.map((o) => o.kind))];
  const cols = CLASSES.filter((c) => c === 'ok' || c === 'typed-error' || outcomes.some((o) => o.class === c));
  const rows = [
    ['kind', ...cols, 'total'],
    ...kinds.map((k) => {
      const mine = outcomes.filter((o) => o.kind === k);
      return [k, ...cols.map((c) => String(mine.filter((o) => o.class === c).length)), String(mine.length)];
    }),
  ];
  rows.push(['all', ...cols.map((c) => String(outcomes.filter((o) => o.class === c).length)), String(outcomes.length)]);
  const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
  const line = (r: string[]) => `| ${r.map((x, j) => (j === 0 ? x.padEnd(widths[j]) : x.padStart(widths[j]))).join(' | ')} |`;
  return [
    line(rows[0]),
    `|${widths.map((w, j) => (j === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`,
    ...rows.slice(1).map(line),
  ].join('\n');
}
