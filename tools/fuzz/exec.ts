/**
 * Running one process under the fuzzer's limits: a wall-time limit and a memory cap, both enforced from outside by
 * SIGKILL. The cap is on the peak resident set (VmHWM in /proc/<pid>/status, polled every 20 ms; the peak, not the
 * current value, so a spike between two polls still counts). `prlimit --as` is not usable: V8 reserves far more
 * address space than it uses and node aborts at start under a 1.5 GiB address-space limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Limits {
  timeoutMs: number;
  memCapBytes: number;
}

export interface ProcessResult {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  overMemory: boolean;
  peakRssBytes: number;
  ms: number;
  stdout: string;
  stderr: string;
}

/** Output beyond this is dropped (a case printing gigabytes must not take the fuzzer's memory with it). */
const MAX_CAPTURE = 1 << 20;

/** A process's peak (VmHWM) or current (VmRSS) resident set in bytes; 0 once it is gone. */
export function residentBytes(pid: number, field: 'VmHWM' | 'VmRSS' = 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Watches a child: kills it at the time limit or above the memory cap. `field` is VmHWM for a one-shot process and
 * VmRSS for a long-lived worker (whose peak would carry over from earlier cases).
 */
export function watch(
  child: ChildProcess,
  limits: Limits,
  field: 'VmHWM' | 'VmRSS',
): { stop(): void; state: { timedOut: boolean; overMemory: boolean; peak: number } } {
  const state = { timedOut: false, overMemory: false, peak: 0 };
  const kill = () => {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  };
  const timer = setTimeout(() => {
    state.timedOut = true;
    kill();
  }, limits.timeoutMs);
  const poll = setInterval(() => {
    if (child.pid === undefined) return;
    const rss = residentBytes(child.pid, field);
    state.peak = Math.max(state.peak, rss);
    if (rss > limits.memCapBytes && !state.overMemory) {
      state.overMemory = true;
      kill();
    }
  }, 20);
  return {
    stop() {
      clearTimeout(timer);
      clearInterval(poll);
    },
    state,
  };
}

/**
 * The environment of a case's process: no test-runner context leaking in, and its own temporary folder, applied by
 * the case-tmp.mjs preload (see there) rather than as TMPDIR itself.
 */
export function caseEnv(tmp: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GCAM_FUZZ_TMPDIR: tmp };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  delete env.GCAM_KEEP_TEST_OUTPUT;
  return env;
}

export function runLimited(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  limits: Limits,
): Promise<ProcessResult> {
  const t0 = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const w = watch(child, limits, 'VmHWM');
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    child.stdout!.on('data', (b: Buffer) => {
      if (outLen < MAX_CAPTURE) out.push(b);
      outLen += b.length;
    });
    child.stderr!.on('data', (b: Buffer) => {
      if (errLen < MAX_CAPTURE) err.push(b);
      errLen += b.length;
    });
    // A last look at the peak just before the process is reaped would race with the exit; the 20 ms polls suffice.
    child.on('close', (code, signal) => {
      w.stop();
      const { timedOut, overMemory, peak } = w.state;
      resolveRun({
        code,
        // Our own SIGKILL is reported as the limit it enforced, not as a crash.
        signal: timedOut || overMemory ? null : signal,
        timedOut,
        overMemory,
        peakRssBytes: peak,
        ms: Date.now() - t0,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.on('error', (e) => {
      w.stop();
      resolveRun({
        code: null,
        signal: null,
        timedOut: false,
        overMemory: false,
        peakRssBytes: 0,
        ms: Date.now() - t0,
        stdout: '',
        stderr: `spawn failed: ${e.message}`,
      });
    });
  });
}
