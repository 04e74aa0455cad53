/**
 * `npm run fuzz -- [--cases N] [--seed S] [--kinds models,images,npy,labels,options,library,dicom,nifti,signals]
 *                  [--jobs J] [--timeout SECONDS] [--mem-mib MIB] [--id KIND-SEED-INDEX] [--regressions] [--keep]
 *                  [--verbose] [--resume]`
 *
 * Generates N cases from the seed (random when not given, and printed), runs them, prints a table per kind and class
 * and each finding (a class other than ok / typed-error) with its reproducer in .cache/fuzz/findings/<id>/. Exits 1
 * when there is any finding. `--id` reruns one case of an earlier campaign; `--regressions` runs the fixed cases of
 * tools/fuzz/regressions.json first. Outcomes are logged to .cache/fuzz/outcomes-<seed>.jsonl as they come; after an
 * interruption (the table of what was done is printed), the same command with --resume runs only the rest.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCase, generateCases, runCases, summaryTable } from './campaign.js';
import { FINDINGS_DIR } from './paths.js';
import { loadRegressions } from './regressions.js';
import { ACCEPTED, KINDS, type FuzzCase, type Kind, type Outcome } from './types.js';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '200' },
    seed: { type: 'string' },
    kinds: { type: 'string', default: KINDS.join(',') },
    jobs: { type: 'string', default: '2' },
    timeout: { type: 'string', default: '20' },
    'mem-mib': { type: 'string', default: '1536' },
    id: { type: 'string' },
    regressions: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    verbose: { type: 'boolean', short: 'v', default: false },
    resume: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

function fail(msg: string): never {
  console.error(`fuzz: ${msg}`);
  process.exit(2);
}

function int(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) fail(`--${name} must be an integer ≥ ${min}; got '${v}'.`);
  return n;
}

if (values.help) {
  console.log(
    'npm run fuzz -- [--cases N] [--seed S] [--kinds ' +
      KINDS.join(',') +
      '] [--jobs J] [--timeout S] [--mem-mib M] [--id ID] [--regressions] [--keep] [--verbose]',
  );
  process.exit(0);
}

const seed = values.seed !== undefined ? int('seed', values.seed, 0) : Math.floor(Math.random() * 2 ** 31);
const kinds = values.kinds.split(',').map((k) => k.trim()) as Kind[];
for (const k of kinds) if (!(KINDS as readonly string[]).includes(k)) fail(`unknown kind '${k}'; kinds: ${KINDS.join(', ')}.`);

let cases: FuzzCase[];
if (values.id) {
  const m = /^(\w+)-(\d+)-(\d+)$/.exec(values.id);
  if (!m || !(KINDS as readonly string[]).includes(m[1]))
    fail(`--id must be KIND-SEED-INDEX, e.g. models-7-12; got '${values.id}'.`);
  cases = [generateCase(Number(m[2]), m[1] as Kind, Number(m[3]))];
} else cases = generateCases(seed, int('cases', values.cases, 0), kinds);
if (values.regressions) cases = [...loadRegressions(), ...cases];

const workDir = mkdtempSync(join(tmpdir(), 'gcam-fuzz-'));
const t0 = Date.now();
const total = cases.length;

// Every outcome is appended to a log as it comes, so an interrupted campaign keeps what it did and --resume goes on.
const logPath = values.id ? undefined : join(FINDINGS_DIR, '..', `outcomes-${seed}.jsonl`);
const outcomes: Outcome[] = [];
if (logPath && values.resume && existsSync(logPath)) {
  const byId = new Map(cases.map((c) => [c.id, c]));
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Outcome;
    if (byId.delete(o.id)) outcomes.push(o);
  }
  cases = [...byId.values()];
  console.log(`fuzz: resuming: ${outcomes.length} outcomes read from ${logPath}`);
} else if (logPath) {
  mkdirSync(dirname(logPath), { recursive: true });
  writeFileSync(logPath, '');
}

console.log(
  `fuzz: ${total} cases, seed ${seed}, kinds ${kinds.join(',')}, ${values.jobs} jobs, ${values.timeout} s, ${values['mem-mib']} MiB`,
);

/** The table, the totals and the list of findings; the exit status says whether there were any. */
function report(interrupted: boolean): never {
  if (!values.keep) rmSync(workDir, { recursive: true, force: true });
  else console.log(`fuzz: case folders kept in ${workDir}`);
  const secs = (Date.now() - t0) / 1000;
  console.log(`\n${summaryTable(outcomes)}\n`);
  const findings = outcomes.filter((o) => !ACCEPTED.includes(o.class));
  const byMs = [...outcomes].sort((a, b) => b.ms - a.ms)[0];
  console.log(
    `fuzz: ${outcomes.length}${interrupted ? ` of ${total}` : ''} cases in ${secs.toFixed(1)} s` +
      `${interrupted ? ' (interrupted; --resume goes on)' : ''} (slowest ${byMs?.id} ${byMs?.ms} ms); ${findings.length} findings`,
  );
  const litter = outcomes.filter((o) => o.tmpLeft?.length);
  if (litter.length)
    console.log(`fuzz: ${litter.length} cases left files in their TMPDIR: ${litter.map((o) => o.id).join(', ')}`);
  if (findings.length) {
    console.log(`fuzz: reproducers in ${FINDINGS_DIR}/<id>/repro.sh`);
    for (const f of findings) console.log(`  ${f.class.padEnd(14)} ${f.id}`);
  }
  process.exit(interrupted ? 130 : findings.length ? 1 : 0);
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => report(true));

await runCases(cases, {
  jobs: int('jobs', values.jobs, 1),
  timeoutMs: int('timeout', values.timeout, 1) * 1000,
  memCapBytes: int('mem-mib', values['mem-mib'], 64) * 2 ** 20,
  workDir,
  findingsDir: FINDINGS_DIR,
  keep: values.keep,
  onOutcome: (c, o) => {
    outcomes.push(o);
    if (logPath) appendFileSync(logPath, JSON.stringify({ ...o, stderrHead: o.stderrHead.slice(0, 500) }) + '\n');
    const line = `  ${o.class.padEnd(14)} ${c.id}${values.verbose ? ` (${o.ms} ms)` : ''}: ${c.note.slice(0, 120)}\n  ${' '.repeat(14)} → ${o.reason.slice(0, 200)}`;
    if (!ACCEPTED.includes(o.class) || values.verbose) console.log(line);
    else if (process.stdout.isTTY) process.stdout.write(`\r${outcomes.length}/${total}`);
    // Into a log file: a line now and then, so a long campaign shows how far it got.
    if (!process.stdout.isTTY && outcomes.length % 250 === 0)
      console.log(`fuzz: ${outcomes.length}/${total} after ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  },
});
report(false);
