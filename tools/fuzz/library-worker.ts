/**
 * Runs library cases in a process of its own, so a case that hangs, aborts or eats memory takes down this worker and
 * not the fuzzer (the runner restarts it). Two modes: as a forked IPC worker ({ case, caseDir } in, a LibraryResult
 * out, one case at a time), or standalone for a reproducer: `node --import tsx tools/fuzz/library-worker.ts case.json`
 * prints the result and exits 0 when what happened is accepted (returned, or threw a GcamError).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GcamError, createImageExplainer, explain, parseLabels, parseNpy } from '../../src/node.js';
import { buildNpy } from './gen-npy.js';
import { ROOT } from './paths.js';
import { seededBytes } from './rng.js';
import { BASE_MODELS, type LibValue, type LibraryCase, type NpySpec } from './types.js';

export interface LibraryResult {
  /** 'unhandled': the call settled, but a rejection or exception escaped it (a process without a handler would die). */
  status: 'returned' | 'threw' | 'unhandled';
  gcam?: boolean;
  name?: string;
  code?: string;
  message?: string;
  stack?: string;
}

/** A JSON argument as the real value: {"$": …} tokens become NaN, undefined, typed arrays, model paths or bytes. */
export function decodeValue(v: LibValue, caseDir: string): unknown {
  if (typeof v === 'string') return v.replaceAll('{{CASE}}', caseDir).replaceAll('{{ROOT}}', ROOT);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => decodeValue(x, caseDir));
  if (typeof v.$ === 'string') {
    const t = v as Record<string, unknown>;
    switch (t.$) {
      case 'NaN':
        return NaN;
      case 'Infinity':
        return Infinity;
      case '-Infinity':
        return -Infinity;
      case 'undefined':
        return undefined;
      case 'modelPath':
        return join(ROOT, BASE_MODELS[t.base as keyof typeof BASE_MODELS]);
      case 'modelBytes': {
        const b = new Uint8Array(readFileSync(join(ROOT, BASE_MODELS[t.base as keyof typeof BASE_MODELS])));
        return t.truncate !== undefined ? b.subarray(0, t.truncate as number) : b;
      }
      case 'bytes':
        return seededBytes(t.seed as number, t.length as number);
      case 'f32':
        return new Float32Array(t.length as number).fill((t.value as number | undefined) ?? 0.5);
      case 'npy':
        return buildNpy(t.spec as NpySpec);
    }
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeValue(x as LibValue, caseDir)]));
}

type AnyFn = (...a: unknown[]) => unknown;

/** Errors that escaped the current call; caught here so they count against the case that caused them, not the next. */
const escaped: unknown[] = [];

/** The call, then a short wait for what escaped it (a floating promise rejecting a moment after the call settled). */
export async function runLibraryCase(c: LibraryCase, caseDir: string): Promise<LibraryResult> {
  escaped.length = 0;
  const r = await callOnce(c, caseDir);
  await new Promise((res) => setTimeout(res, 20));
  if (!escaped.length) return r;
  const e = escaped[0] as Error;
  return {
    status: 'unhandled',
    gcam: e instanceof GcamError,
    name: e?.name,
    message: String(e?.message ?? e).slice(0, 2000),
    stack: e?.stack?.slice(0, 4000),
  };
}

/** One call; the explainers it creates are released whatever happens. */
async function callOnce(c: LibraryCase, caseDir: string): Promise<LibraryResult> {
  const args = c.args.map((a) => decodeValue(a, caseDir));
  try {
    switch (c.fn) {
      case 'createImageExplainer': {
        const ex = await (createImageExplainer as AnyFn)(...args);
        await (ex as { release(): Promise<void> }).release();
        break;
      }
      case 'explainer.explain': {
        const ex = (await (createImageExplainer as AnyFn)(args[0], args[1])) as { explain: AnyFn; release(): Promise<void> };
        try {
          await ex.explain(args[2], args[3]);
        } finally {
          await ex.release();
        }
        break;
      }
      case 'explain':
        await (explain as AnyFn)(...args);
        break;
      case 'parseNpy':
        (parseNpy as AnyFn)(...args);
        break;
      case 'parseLabels':
        (parseLabels as AnyFn)(...args);
        break;
    }
    return { status: 'returned' };
  } catch (e) {
    const err = e as Error & { code?: unknown };
    return {
      status: 'threw',
      gcam: e instanceof GcamError,
      name: err?.name ?? typeof e,
      code: typeof err?.code === 'string' ? err.code : undefined,
      message: String(err?.message ?? e).slice(0, 2000),
      stack: typeof err?.stack === 'string' ? err.stack.slice(0, 4000) : undefined,
    };
  }
}

const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  process.on('unhandledRejection', (e) => void escaped.push(e));
  process.on('uncaughtException', (e) => void escaped.push(e));
}
if (isMain && process.send) {
  process.on('message', (m: { case: LibraryCase; caseDir: string }) => {
    void runLibraryCase(m.case, m.caseDir).then((r) => process.send!(r));
  });
  // The fuzzer went away (killed): nothing will ask for another case.
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
} else if (isMain && process.argv[2]) {
  const c = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LibraryCase;
  const r = await runLibraryCase(c, mkdtempSync(join(tmpdir(), 'gcam-fuzz-lib-')));
  console.log(JSON.stringify(r, null, 2));
  process.exit(r.status === 'returned' || (r.status === 'threw' && r.gcam) ? 0 : 1);
}
