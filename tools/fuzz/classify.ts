/**
 * Deciding a case's class from what the process did. Pure: exit status, signal, limits hit, the two output streams
 * and the files the run created are all the evidence, so the rules can be read (and tested) in one place.
 */
import type { FuzzClass } from './types.js';

export interface CliEvidence {
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  overMemory: boolean;
  stdout: string;
  stderr: string;
  /** Case-relative paths of files the run created or replaced. */
  created: string[];
  /** Case-relative paths the run reported as written (`wrote <path>` lines). */
  reported: string[];
  /** --save-cam / --json destinations: a run that skipped an input but wrote the rest writes them too. */
  sideOutputs: string[];
  expectOutputs: boolean;
}

export interface Verdict {
  class: FuzzClass;
  reason: string;
  leftovers?: string[];
}

/**
 * A stack trace: a line starting with whitespace and "at " (V8's frames), or an error's own header printed by Node
 * for an uncaught exception ("TypeError: …", "Error [ERR_X]: …") at the start of a line.
 */
export function hasStackTrace(stderr: string): boolean {
  return stderr.split('\n').some((l) => /^\s+at\s/.test(l) || /^(?:[A-Z]\w*)?Error(?: \[\w+\])?: /.test(l));
}

/** The first line of a gcam message, for the report. */
function gcamLine(stderr: string): string | undefined {
  return stderr.split('\n').find((l) => l.startsWith('gcam: '));
}

function firstLines(s: string, n = 2): string {
  return s.split('\n').filter(Boolean).slice(0, n).join(' | ').slice(0, 300);
}

export function classifyCli(e: CliEvidence): Verdict {
  if (e.timedOut) return { class: 'hang', reason: 'killed at the wall-time limit' };
  if (e.overMemory) return { class: 'memory', reason: 'killed above the memory cap' };
  if (e.signal) return { class: 'crash', reason: `killed by ${e.signal}` };
  if (e.code === null || e.code < 0 || e.code > 2)
    return { class: 'crash', reason: `exit code ${e.code}${e.code === 134 ? ' (abort)' : ''}` };
  if (e.code !== 0) {
    // A failing run may leave only what it says it wrote (the readable inputs of a batch with a skipped one).
    const allowed = new Set([...e.reported, ...(e.reported.length ? e.sideOutputs : [])]);
    const leftovers = e.created.filter((f) => !allowed.has(f));
    if (leftovers.length)
      return { class: 'partial-output', reason: `exit ${e.code} but left ${leftovers.join(', ')}`.slice(0, 300), leftovers };
  }
  if (hasStackTrace(e.stderr)) return { class: 'stack-trace', reason: firstLines(e.stderr) };
  // onnxruntime logs its own lines before gcam's message: the gcam line is the one that says what went wrong.
  if (e.code === 1)
    return { class: 'internal-error', reason: `exit 1: ${(gcamLine(e.stderr) ?? firstLines(e.stderr, 1)).slice(0, 300)}` };
  if (e.code === 2) {
    const line = gcamLine(e.stderr);
    if (!line) return { class: 'internal-error', reason: `exit 2 without a 'gcam: ' message: ${firstLines(e.stderr)}` };
    return { class: 'typed-error', reason: line.slice(0, 300) };
  }
  if (e.expectOutputs && e.reported.length === 0) return { class: 'no-output', reason: 'exit 0 without writing anything' };
  const missing = e.reported.filter((f) => !e.created.includes(f));
  if (missing.length) return { class: 'no-output', reason: `exit 0 but reported files missing: ${missing.join(', ')}` };
  return { class: 'ok', reason: `exit 0${e.reported.length ? `, wrote ${e.reported.length}` : ''}` };
}

export interface LibraryEvidence {
  /** What the worker reported; undefined when it died or was killed first. */
  result?: { status: 'returned' | 'threw' | 'unhandled'; gcam?: boolean; name?: string; message?: string; stack?: string };
  timedOut: boolean;
  overMemory: boolean;
  exitCode: number | null;
  signal: string | null;
}

export function classifyLibrary(e: LibraryEvidence): Verdict {
  if (e.timedOut) return { class: 'hang', reason: 'killed at the wall-time limit' };
  if (e.overMemory) return { class: 'memory', reason: 'killed above the memory cap' };
  if (!e.result) return { class: 'crash', reason: `worker died (${e.signal ?? `exit ${e.exitCode}`})` };
  if (e.result.status === 'returned') return { class: 'ok', reason: 'returned' };
  const msg = `${e.result.name}: ${e.result.message ?? ''}`.split('\n')[0].slice(0, 300);
  if (e.result.status === 'unhandled')
    return { class: 'crash', reason: `an error escaped the call (unhandled, fatal in a plain process): ${msg}` };
  return e.result.gcam ? { class: 'typed-error', reason: msg } : { class: 'untyped-error', reason: `not a GcamError: ${msg}` };
}
