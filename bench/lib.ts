/** Shared helpers of the benchmarks (bench/run.ts, bench/contender.ts): statistics, inputs, machine, the PyTorch worker. */
import os from 'node:os';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface, type Interface } from 'node:readline';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = join(ROOT, '.cache', 'bench');
export const PYTHON = process.env.GCAM_BENCH_PYTHON ?? '/usr/bin/python3';
export const TORCH_WORKER = join(ROOT, 'tools', 'bench', 'torch_worker.py');
/**
 * Debian's python3-torch does its matrix products (Linear layers) with the BLAS that libblas.so.3 points to, by default
 * the unoptimised reference BLAS (≈17× slower than OpenBLAS on a 32×2048×1000 product here), where the PyPI wheels use
 * MKL. When OpenBLAS is unpacked under .cache/bench/openblas (see docs/benchmarks.md) the PyTorch processes load it:
 * the OpenMP build, which shares torch's OpenMP threads (the pthreads build brings a second pool of spinning threads
 * that competes with torch's on 2 cores).
 */
export const OPENBLAS_DIR = join(CACHE, 'openblas', 'usr', 'lib', 'x86_64-linux-gnu', 'openblas-openmp');

/** The environment of the PyTorch processes: OpenBLAS when available, with as many threads as torch. */
export function pythonEnv(threads: number): NodeJS.ProcessEnv {
  if (!existsSync(join(OPENBLAS_DIR, 'libblas.so.3'))) return process.env;
  const ld = process.env.LD_LIBRARY_PATH;
  return {
    ...process.env,
    LD_LIBRARY_PATH: ld ? `${OPENBLAS_DIR}:${ld}` : OPENBLAS_DIR,
    OPENBLAS_NUM_THREADS: String(threads),
  };
}

export interface ModelEntry {
  onnx: string;
  state_dict: string;
  arch: string;
  /** PyTorch module paths (gcam resolves the same names). */
  last: string;
  early: string;
  last_tensor: string | null;
  input: [number, number, number];
}

export function readManifest(): Record<string, ModelEntry> {
  const path = join(CACHE, 'manifest.json');
  if (!existsSync(path))
    throw new Error(`${path} is missing: run /usr/bin/python3 tools/export_bench_models.py first (bench/run.ts does).`);
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, ModelEntry>;
}

export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Milliseconds with 3 significant digits (at least 0 decimals). */
export function ms(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}
/** Median with the 10th–90th percentile range: '12.3 (11.0–15.2)'. */
export const spread = (xs: readonly number[]): string => `${ms(median(xs))} (${ms(quantile(xs, 0.1))}–${ms(quantile(xs, 0.9))})`;
export const ratio = (x: number): string => (x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const mib = (kb: number): string => (kb / 1024).toFixed(0);

/** Deterministic pseudo-random values ~ N(0, 1) (xorshift32 + Box–Muller), like a normalised image batch. */
export function pseudoRandomNormal(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next()));
    const t = 2 * Math.PI * next();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

export const loadAvg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

export function machine(): string {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${cpus.length} logical cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.platform()} ${os.release()} ${os.arch()}, node ${process.version}`;
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Row-wise argmax of [N, K] scores. */
export function argmaxRows(scores: Float32Array, n: number): number[] {
  const k = scores.length / n;
  return Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (scores[i * k + j] > scores[i * k + best]) best = j;
    return best;
  });
}

export type Json = Record<string, unknown>;

/**
 * The PyTorch worker (tools/bench/torch_worker.py): one request at a time over JSON lines. While gcam runs the worker
 * waits on its stdin (no CPU), and the other way round, so the contenders can be interleaved run by run.
 */
export class TorchWorker {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly pending: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.child = spawn(PYTHON, [TORCH_WORKER], { stdio: ['pipe', 'pipe', 'pipe'], env });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => this.pending.shift()?.(line));
    this.child.on('exit', (code) => {
      for (const p of this.pending.splice(0)) p(JSON.stringify({ error: `worker exited (${code}): ${this.stderr}` }));
    });
  }

  async ask<T = Json>(req: Json): Promise<T> {
    const line = await new Promise<string>((res) => {
      this.pending.push(res);
      this.child.stdin.write(JSON.stringify(req) + '\n');
    });
    const out = JSON.parse(line) as Json;
    if (typeof out.error === 'string') throw new Error(`torch worker: ${out.error}`);
    return out as T;
  }

  async close(): Promise<void> {
    this.child.stdin.write(JSON.stringify({ op: 'quit' }) + '\n');
    this.child.stdin.end();
    await new Promise((res) => this.child.once('exit', res));
  }
}

/** Runs a command under /usr/bin/time: wall time (measured here) and the peak RSS of the process (KiB). */
export async function measured(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<{ wallMs: number; maxRssKb: number; stdout: string; stderr: string; code: number }> {
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'GCAM_TIME %e %M', cmd, ...args], {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  const wallMs = performance.now() - t0;
  const m = /GCAM_TIME ([\d.]+) (\d+)/.exec(stderr);
  if (!m) throw new Error(`no /usr/bin/time output from ${cmd}: ${stderr.slice(-2000)}`);
  return { wallMs, maxRssKb: Number(m[2]), stdout, stderr: stderr.replace(m[0], '').trim(), code };
}
