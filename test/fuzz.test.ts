/**
 * The bounded fuzz campaign of `npm test` (tools/fuzz, docs/robustness.md): the fixed regression cases first, then a
 * fixed-seed campaign over every kind, each case a real `gcam` child process (or a library call in a worker) under a
 * wall-time limit and a memory cap. No case may crash, hang, exceed the cap, print a stack trace, leave partial
 * output, exit 0 without its outputs or (library) throw anything but a GcamError. Holes that are known and not fixed
 * yet are listed in KNOWN: their cases are reported under a `todo` test of their own and nowhere else, so a new
 * finding elsewhere still fails. Reproducers of every finding go to .cache/fuzz/findings/<id>/.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateCases, runCases, summaryTable, type RunOptions } from '../tools/fuzz/campaign.js';
import { classifyCli, classifyLibrary, hasStackTrace, type CliEvidence } from '../tools/fuzz/classify.js';
import { FINDINGS_DIR } from '../tools/fuzz/paths.js';
import { loadRegressionEntries } from '../tools/fuzz/regressions.js';
import { ACCEPTED, KINDS, SEVERE, type FuzzCase, type FuzzClass, type Outcome } from '../tools/fuzz/types.js';

const SEED = 20240601;
const CASES = 150;

/**
 * Known holes not fixed yet: a finding in a case this matches is reported by that category's todo test instead of
 * failing the run. Remove an entry as soon as its hole is fixed (its todo test then passes and says so). Empty now:
 * every hole found so far is fixed, and its reproducer is a case of tools/fuzz/regressions.json.
 */
const KNOWN: Record<string, { todo: string; matches(c: FuzzCase, o: Outcome): boolean }> = {};

const workDir = mkdtempSync(join(tmpdir(), 'gcam-fuzz-test-'));
after(() => rmSync(workDir, { recursive: true, force: true }));

const options: RunOptions = {
  jobs: 2,
  timeoutMs: 20_000,
  memCapBytes: 1536 * 2 ** 20,
  workDir,
  findingsDir: FINDINGS_DIR,
};

/** One finding as a report line: what the case was, what happened, and where its reproducer is. */
function describeFinding(c: FuzzCase, o: Outcome): string {
  return `${o.class} ${c.id}: ${c.note}\n    → ${o.reason}\n    reproducer: ${join(FINDINGS_DIR, c.id, 'repro.sh')}`;
}

function knownCategory(c: FuzzCase, o: Outcome): string | undefined {
  return Object.keys(KNOWN).find((k) => KNOWN[k].matches(c, o));
}

describe('fuzz classification rules', () => {
  const base: CliEvidence = {
    code: 2,
    signal: null,
    timedOut: false,
    overMemory: false,
    stdout: '',
    stderr: "gcam: Image 'x.png' cannot be decoded.\n",
    created: [],
    reported: [],
    sideOutputs: [],
    expectOutputs: true,
  };
  const cls = (e: Partial<CliEvidence>): FuzzClass => classifyCli({ ...base, ...e }).class;

  it('exit 2 with a gcam: line is a typed error; with a stack, a stack trace; without a gcam: line, internal', () => {
    assert.equal(cls({}), 'typed-error');
    assert.equal(cls({ stderr: 'gcam: unexpected failure: RangeError: x\n    at f (a.ts:1:1)\n' }), 'stack-trace');
    assert.equal(cls({ stderr: 'something else\n' }), 'internal-error');
    assert.ok(hasStackTrace('TypeError: x'));
    assert.ok(!hasStackTrace('gcam: the model has no Error: in its name'));
  });

  it('exit 1 is an internal error; signals and exit codes above 2 are crashes; the limits are hang and memory', () => {
    assert.equal(cls({ code: 1, stderr: 'gcam: onnxruntime failed\n' }), 'internal-error');
    assert.equal(cls({ code: null, signal: 'SIGSEGV' }), 'crash');
    assert.equal(cls({ code: 134 }), 'crash');
    assert.equal(cls({ code: null, timedOut: true }), 'hang');
    assert.equal(cls({ code: null, overMemory: true }), 'memory');
  });

  it('a failing run may leave only the files it reported (and then its --save-cam / --json); exit 0 must write', () => {
    assert.equal(cls({ created: ['out/a-1.png'] }), 'partial-output');
    assert.equal(
      cls({ created: ['out/ok-1.png', 'cam.npy'], reported: ['out/ok-1.png'], sideOutputs: ['cam.npy'] }),
      'typed-error',
    );
    assert.equal(cls({ created: ['cam.npy'], sideOutputs: ['cam.npy'] }), 'partial-output');
    assert.equal(cls({ code: 0, stderr: '' }), 'no-output');
    assert.equal(cls({ code: 0, stderr: '', created: ['out/a.png'], reported: ['out/a.png'] }), 'ok');
  });

  it('library: a GcamError is typed, anything else thrown is not, a dead worker is a crash', () => {
    const lib = { timedOut: false, overMemory: false, exitCode: null, signal: null };
    assert.equal(
      classifyLibrary({ ...lib, result: { status: 'threw', gcam: true, name: 'InvalidInputError' } }).class,
      'typed-error',
    );
    assert.equal(classifyLibrary({ ...lib, result: { status: 'threw', gcam: false, name: 'TypeError' } }).class, 'untyped-error');
    assert.equal(classifyLibrary({ ...lib, exitCode: 134 }).class, 'crash');
  });
});

describe('fuzz regressions (tools/fuzz/regressions.json)', () => {
  const entries = loadRegressionEntries();
  let outcomes: Outcome[] = [];
  // All at once, `jobs` at a time; each test then reads its own outcome.
  before(async () => {
    outcomes = await runCases(
      entries.map((r) => r.case),
      options,
    );
  });
  for (const [i, r] of entries.entries()) {
    const todo = KNOWN[r.category]?.todo;
    it(`${r.case.id}: ${r.why}`, todo ? { todo } : {}, () => {
      assert.ok(ACCEPTED.includes(outcomes[i].class), describeFinding(r.case, outcomes[i]));
    });
  }
});

describe(`fuzz campaign: ${CASES} cases, seed ${SEED}, all kinds`, () => {
  const cases = generateCases(SEED, CASES, KINDS);
  let outcomes: Outcome[] = [];
  let seconds = 0;
  before(async () => {
    const t0 = Date.now();
    outcomes = await runCases(cases, options);
    seconds = (Date.now() - t0) / 1000;
  });

  it('ran every case (summary per kind and class)', (t) => {
    assert.equal(outcomes.length, CASES);
    // One diagnostic per line: the reporter would print a multi-line one with escaped newlines.
    for (const line of [`${CASES} cases in ${seconds.toFixed(1)} s`, ...summaryTable(outcomes).split('\n')]) t.diagnostic(line);
    // Exit 1 with a one-line message is a finding of the fuzzer's, not of this test (see docs/robustness.md).
    for (const [i, o] of outcomes.entries())
      if (o.class === 'internal-error') for (const line of describeFinding(cases[i], o).split('\n')) t.diagnostic(line);
  });

  for (const cls of SEVERE) {
    it(`no ${cls} outside the known holes`, () => {
      const bad = outcomes.flatMap((o, i) =>
        o.class === cls && !knownCategory(cases[i], o) ? [describeFinding(cases[i], o)] : [],
      );
      assert.equal(bad.length, 0, `${bad.length} ${cls} finding(s):\n${bad.join('\n')}`);
    });
  }

  for (const [category, k] of Object.entries(KNOWN)) {
    it(`known hole '${category}'`, { todo: k.todo }, () => {
      const bad = outcomes.flatMap((o, i) =>
        !ACCEPTED.includes(o.class) && knownCategory(cases[i], o) === category ? [describeFinding(cases[i], o)] : [],
      );
      assert.equal(bad.length, 0, `${bad.length} finding(s):\n${bad.join('\n')}`);
    });
  }
});
