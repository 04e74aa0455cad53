/**
 * Writes a streaming run's outputs input by input, in input order, while the next batches are computed: each
 * explained input's images are rendered, encoded and committed together (commit.ts: all or nothing per input), then
 * its manifest lines are appended, its maps added to the --save-cam stack and its lines printed; a skipped input is
 * reported in its place. Inputs arrive with their position ("slot") and may arrive out of order (a skip is known
 * before the batch ahead of it is done); they are written strictly in slot order, so every run of the same inputs
 * writes the same names and the same manifest.
 */
import { basename, join } from 'node:path';
import type { ExplainResult } from '../../node.js';
import { encodeImage } from '../../image/io-node.js';
import { peakOf } from '../../eval/pointing-game.js';
import type { LoadedInput } from '../inputs.js';
import type { Progress } from '../progress.js';
import { commitOutputs, type OutputFile } from './commit.js';
import type { ManifestLine, ManifestWriter } from './manifest.js';
import type { MapStackWriter } from './map-stack.js';
import { NameClaims } from './names.js';
import type { OutputPlan } from './plan.js';
import { renderInput, type RenderOptions } from './render.js';
import { volumeFigure } from './volume-figure.js';
import { isVolumeResult, volumeFiles, volumePeak } from './volume-files.js';
import { isSignalResult, signalImages, signalPeak } from './signal-files.js';
import { UsageError } from '../args.js';

export interface RunWriterOptions extends RenderOptions {
  plan: OutputPlan;
  multiLayer: boolean;
  manifest?: ManifestWriter;
  stack?: MapStackWriter;
  progress: Progress;
  /** Print one line per result and per file written (off with --quiet). */
  print: boolean;
  /** Keep each result's summary and the files written, for --json (otherwise memory would grow with the run). */
  summarise: boolean;
}

/** `input`: the input's position in the whole run, recorded in the manifest (see ManifestLine). */
type Job =
  | { kind: 'explained'; input: number; loaded: LoadedInput; base: string; results: ExplainResult[] }
  | { kind: 'skipped'; input: number; path: string; why: string };

/** What the --json summary records of each result: everything but the maps (and a volume's or signal's peak, as the manifest). */
export type ResultSummary = Omit<ExplainResult, 'map' | 'inputMap' | 'layerMap'> & {
  files: string[];
  peak?: ReturnType<typeof volumePeak> | ReturnType<typeof signalPeak>;
};

export class RunWriter {
  private readonly waiting = new Map<number, Job>();
  private next = 0;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure?: unknown;
  private readonly names = new NameClaims();
  private foldersMade = false;
  /** Skips before the first explained input, recorded with it. */
  private readonly heldSkips: ManifestLine[] = [];
  readonly results: ResultSummary[] = [];
  readonly written: string[] = [];
  readonly skipped: string[] = [];
  /** Inputs explained and written. */
  explainedCount = 0;

  constructor(private readonly o: RunWriterOptions) {}

  explained(slot: number, input: number, loaded: LoadedInput, base: string, results: ExplainResult[]): void {
    this.put(slot, { kind: 'explained', input, loaded, base, results });
  }

  skip(slot: number, input: number, path: string, why: string): void {
    this.put(slot, { kind: 'skipped', input, path, why });
  }

  /** Names an earlier part of a resumed run gave out: later inputs must make theirs distinct from them too. */
  claimed(paths: readonly string[]): void {
    for (const p of paths) this.names.claim(basename(p));
  }

  /** Waits while more than `max` inputs are queued (each holds its maps and photo until written). */
  async room(max: number): Promise<void> {
    while (this.queued > max && !this.failure) await this.chain.catch(() => undefined);
    this.throwIfFailed();
  }

  /** Waits until everything queued is written; the first write failure is thrown here (or by the next put). */
  async finish(): Promise<void> {
    await this.chain.catch(() => undefined);
    this.throwIfFailed();
    if (this.waiting.size) throw new Error(`gcam: inputs ${[...this.waiting.keys()].join(', ')} were never written.`);
  }

  private put(slot: number, job: Job): void {
    this.throwIfFailed();
    this.waiting.set(slot, job);
    for (let j = this.waiting.get(this.next); j; j = this.waiting.get(this.next)) {
      this.waiting.delete(this.next++);
      this.queued++;
      const run = j;
      this.chain = this.chain
        .then(() => (this.failure ? undefined : this.write(run)))
        .catch((e) => {
          this.failure ??= e;
        })
        .finally(() => {
          this.queued--;
        });
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async write(job: Job): Promise<void> {
    if (job.kind === 'skipped') {
      console.error(`gcam: skipped ${job.path}: ${job.why}`);
      // Recorded once the run has written something: a run that explains nothing leaves nothing behind.
      const line = { input: job.input, source: job.path, error: job.why };
      if (this.foldersMade) this.o.manifest?.append([line]);
      else this.heldSkips.push(line);
      this.skipped.push(job.path);
      this.o.progress.tick();
      return;
    }
    const { input, loaded, base, results } = job;
    // Volumes: NIfTI heatmaps on the input's grid (and a figure of slices); signals: plots or a figure of them;
    // images: overlays or a figure.
    const volume = results.length > 0 && isVolumeResult(results[0]);
    const images = volume
      ? [
          ...volumeFiles(results, loaded, base, this.o.multiLayer),
          ...(this.o.figure ? [await volumeFigure(results, loaded, base, this.o)] : []),
        ]
      : results.length > 0 && isSignalResult(results[0])
        ? await signalImages(results, loaded, base, this.o)
        : await renderInput(results, loaded, base, this.o);
    const paths = this.pathsOf(images.map((i) => i.name));
    const files: OutputFile[] = [];
    for (const [i, img] of images.entries())
      files.push({ flag: 'out', path: paths[i], bytes: 'bytes' in img ? img.bytes : await encodeImage(img.image, paths[i]) });
    // The run's folders are created with its first input's files; later inputs find them in place.
    commitOutputs(files, this.foldersMade ? [] : this.o.plan.folders);
    this.foldersMade = true;
    this.o.manifest?.append(this.heldSkips.splice(0));
    const filesOf = (k: number) => images.flatMap((img, i) => (img.shows.includes(k) ? [paths[i]] : []));
    this.o.manifest?.append(results.map((r, k) => manifestLine(input, r, filesOf(k), loaded)));
    for (const r of results) this.o.stack?.add(r.inputMap, inputSizeOf(r));
    if (this.o.summarise) {
      for (const [k, r] of results.entries())
        this.results.push({ ...summaryOf(r, filesOf(k)), ...(shapedPeak(r, loaded) && { peak: shapedPeak(r, loaded) }) });
      this.written.push(...paths);
    }
    this.explainedCount++;
    if (this.o.print) {
      for (const r of results) this.o.progress.print(resultLine(r));
      for (const f of paths) this.o.progress.print(`wrote ${f}`);
    }
    this.o.progress.tick();
  }

  /** Where the images go: their names in the image folder, made distinct over the run, or the one file --out names. */
  private pathsOf(names: readonly string[]): string[] {
    const { images } = this.o.plan;
    if ('dir' in images) return names.map((n) => join(images.dir, this.names.claim(n)));
    if (names.length !== 1 || this.explainedCount > 0)
      throw new UsageError(
        `--out ${images.file} names one file but the run has more outputs; pass a folder instead (or --figure with one image).`,
      );
    return [images.file];
  }
}

/**
 * The printed line of one result: class, label, the model's score with the class probability beside a logit (or the
 * logit beside a probability, for models that end in Softmax or Sigmoid), layer, warnings.
 */
function resultLine(r: ExplainResult): string {
  const warn = r.warnings.length ? `  WARNING: ${r.warnings.join(' ')}` : '';
  const isProbability = r.score === r.probability && r.score !== r.logit;
  const beside = isProbability ? `logit ${r.logit.toFixed(4)}` : `prob ${r.probability.toFixed(4)}`;
  return `${r.source}: class ${r.classIndex}${r.label ? ` '${r.label}'` : ''} score ${r.score.toFixed(4)} ${beside} layer '${r.layer}'${warn}`;
}

/** The fields of a result that the manifest and the --json summary both record. */
export function resultFields(r: Omit<ExplainResult, 'map' | 'inputMap' | 'layerMap'>) {
  return {
    source: r.source,
    class: r.classIndex,
    label: r.label,
    score: r.score,
    logit: r.logit,
    probability: r.probability,
    layer: r.layer,
  };
}

export function manifestLine(input: number, r: ExplainResult, files: string[], loaded: LoadedInput): ManifestLine {
  return {
    input,
    ...resultFields(r),
    method: r.method,
    peak: shapedPeak(r, loaded) ?? peak(r),
    files,
    warnings: r.warnings,
  };
}

/** A volume's peak (voxel, world) or a signal's (sample index); undefined for 2-D images. */
function shapedPeak(r: ExplainResult, loaded: LoadedInput): ResultSummary['peak'] {
  if (isVolumeResult(r)) return volumePeak(r, loaded);
  return isSignalResult(r) ? signalPeak(r) : undefined;
}

function peak(r: ExplainResult): ManifestLine['peak'] {
  const [x, y] = peakOf(r.map, r.width);
  return { x, y, value: r.map[y * r.width + x] };
}

/** The spatial size of a result's input map: [height, width], [depth, height, width], or [length]. */
function inputSizeOf(r: ExplainResult): number[] {
  if (r.inputLength !== undefined) return [r.inputLength];
  return r.inputDepth !== undefined ? [r.inputDepth, r.inputHeight, r.inputWidth] : [r.inputHeight, r.inputWidth];
}

function summaryOf(r: ExplainResult, files: string[]): ResultSummary {
  const kept: Partial<ExplainResult> & ResultSummary = { ...r, files };
  delete kept.map;
  delete kept.inputMap;
  delete kept.layerMap;
  return kept;
}
