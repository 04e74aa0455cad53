/**
 * manifest.jsonl: the record of a run, one JSON line per (input, class, layer, method) explained, or per input that
 * could not be read. Lines are appended in input order once an input's files are in place, one write per input, so an
 * interrupted run leaves a manifest of complete inputs (at most a torn last line, which --resume cuts off) and
 * `--resume` continues it to exactly the manifest an uninterrupted run writes. Nothing in a line depends on the
 * moment (no times); paths are written as the run was given them.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { osReason } from '../file-kind.js';
import { DestinationError } from './destination.js';

export interface ManifestLine {
  /** The input's position in the run (every input and every skip counts), the same when a run is resumed. */
  input: number;
  source: string;
  class?: number;
  label?: string;
  /** The model output for the class, its logit and its probability (see ExplainResult). */
  score?: number;
  logit?: number;
  probability?: number;
  layer?: string;
  method?: string;
  /**
   * Where the map is largest, in the input image's pixels, and its value there; for volumes the voxel [i, j, k] of the
   * input's grid and, for NIfTI inputs, its world coordinates [x, y, z] by the input's affine; for signals the sample.
   */
  peak?:
    | { x: number; y: number; value: number }
    | { voxel: number[]; world?: number[]; value: number }
    | { index: number; value: number };
  /** The files showing this map (an overlay, or the input's figure). */
  files?: string[];
  warnings?: string[];
  /** Why the input was skipped. */
  error?: string;
}

/** What an earlier run recorded: the inputs it finished (explained or reported unreadable), its files and method. */
export interface Recorded {
  inputs: Set<number>;
  files: string[];
  methods: Set<string>;
  /** Bytes of the complete lines; a torn last line lies beyond. */
  complete: number;
}

export function readManifest(path: string): Recorded | undefined {
  if (!statSync(path, { throwIfNoEntry: false })) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DestinationError(`--resume: cannot read the manifest '${path}': ${osReason(e)}.`);
  }
  const end = text.lastIndexOf('\n') + 1;
  const inputs = new Set<number>();
  const files: string[] = [];
  const methods = new Set<string>();
  for (const [i, line] of text.slice(0, end).split('\n').entries()) {
    if (line === '') continue;
    let entry: ManifestLine;
    try {
      entry = JSON.parse(line) as ManifestLine;
    } catch {
      throw new DestinationError(`--resume: line ${i + 1} of '${path}' is not JSON; is it a gcam manifest?`);
    }
    if (!Number.isInteger(entry?.input) || typeof entry.source !== 'string')
      throw new DestinationError(`--resume: line ${i + 1} of '${path}' names no input; is it a gcam manifest?`);
    inputs.add(entry.input);
    files.push(...(entry.files ?? []));
    if (entry.method) methods.add(entry.method);
  }
  return { inputs, files, methods, complete: Buffer.byteLength(text.slice(0, end)) };
}

/** Appends one input's lines at a time; the file is created (or cut back to its complete lines) at the first. */
export class ManifestWriter {
  private fd?: number;

  constructor(
    readonly path: string,
    private readonly keep?: Recorded,
  ) {}

  append(lines: readonly ManifestLine[]): void {
    if (lines.length === 0) return;
    try {
      this.fd ??= this.open();
      writeSync(this.fd, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    } catch (e) {
      if (e instanceof DestinationError) throw e;
      throw new DestinationError(`Cannot write the manifest '${this.path}': ${osReason(e)}.`);
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private open(): number {
    if (!this.keep) return openSync(this.path, 'w');
    const fd = openSync(this.path, 'r+');
    ftruncateSync(fd, this.keep.complete);
    closeSync(fd);
    return openSync(this.path, 'a');
  }
}
