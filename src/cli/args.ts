/** Command-line parsing for gcam (node:util parseArgs), with usage errors as UsageError (exit code 2). */
import { parseArgs } from 'node:util';
import { GcamError } from '../errors.js';
import { didYouMean } from './did-you-mean.js';

export class UsageError extends GcamError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

export const USAGE = `gcam: Grad-CAM and its family of explanations for ONNX models

Usage:
  gcam demo [--volume] [--seed S] [--out DIR] [--method M]
            (--volume: a 32³ NIfTI volume with two solids, explained with the built-in 3-D model)
  gcam explain <images, .npy, folders, 'patterns' or - ...> [--list F] [--model m.onnx]
               [--layer L]... [--class C]... | [--top-k K] | [--target T] [--det-format auto|yolov8|yolov5]
               [--method M] [--aug-smooth] [--eigen-smooth] [--combine-layers]
               [--score-cam-batch B] [--score-cam-channels K] [--ablation-batch B]
               [--grid RxC] [--layout auto|nchw|nhwc|tokens]
               [--preprocess imagenet|caffe|none] [--size S|H,W|D,H,W] [--labels F]
               [--intensity none|ct:L,W|percentile:LO,HI|zscore|range:A,B] [--frame T]  (volumes: .nii, .nii.gz;
               signals [N,C,L]: .npy, --size L; 2-D: .dcm, 16-bit PNG/TIFF)
               [--resize stretch|crop|letterbox] [--channel-order RGB|BGR] [--range 1|255] [--mean a,b,c] [--std a,b,c]
               [--batch-size B] [--threads T] [--out DIR|FILE] [--figure] [--colormap jet|turbo|viridis|inferno|gray]
               [--alpha A] [--no-relu] [--save-cam F.npy] [--json F] [--manifest F] [--resume | --overwrite] [--quiet]
  gcam export <model.onnx> [--layer L] [--method M] [--size S] [-o|--output F.onnx] [--triton DIR] [--max-batch-size B]
              (a self-contained ONNX model: the image and target_class in, the model's outputs, heatmap and
              layer_map out; --triton writes a Triton model repository entry DIR/<name>/; see docs/serving.md)
  gcam evaluate <images, .npy, folders or 'patterns'...> [--model m.onnx] [--method a,b,c]
               [--layer L]... [--class C]... | [--top-k K]
               [--metrics drop,increase,avg-drop,road,road-morf,road-lerf,deletion,insertion,pointing,sanity,...]
               [--boxes F.json|F.csv] [--score prob|logit] [--steps N] [--morf-percentile P] [--lerf-percentile P]
               [--road-noise S] [--seed S] [--tolerance PX] [--sanity-steps K] [--preprocess ...] [--size S] [--labels F]
               [--intensity ...] [--batch-size B] [--threads T] [--json F] [--csv F] [--out DIR] [--quiet]
               (faithfulness of each method's maps; see docs/evaluate.md)
  gcam layers <model.onnx> [--size S|H,W|D,H,W]
  gcam methods
  gcam info <model.onnx>
  gcam view [model.onnx] [images or .npy...] [--port P] [--labels F] [--preprocess P] [--size S]
            (the viewer page on 127.0.0.1, default port 8765; Ctrl-C stops it)

--target: class:C, prob:C, binary[:1|0], raw[:I], seg:C[:mask.png|.npy], similarity:ref.npy, box:x1,y1,x2,y2[:C],
det:K, each optionally after output:NAME+ (see docs/targets.md).
Without --model, explain uses the built-in shapes model (see docs/builtin-model.md) and its preprocessing, or the
built-in 3-D shapes model when every input is a NIfTI volume (.nii, .nii.gz; see docs/medical.md).
Folders are searched recursively; quoted patterns ('photos/**/*.jpg') are expanded by gcam; '-' reads paths from stdin.
Each input's files are written as soon as it is done, and recorded in DIR/manifest.jsonl; --resume skips the inputs
recorded there; existing files are never replaced without --overwrite.
Exit codes: 0 ok, 1 failure of gcam itself, 2 bad usage or bad input (model, input, option, destination).`;

/** The line after a one-line usage error, instead of the whole usage page. */
export const USAGE_HINT = "Run 'gcam --help' for every command and option.";

const OPTIONS = {
  model: { type: 'string' },
  seed: { type: 'string' },
  volume: { type: 'boolean' },
  layer: { type: 'string', multiple: true },
  class: { type: 'string', multiple: true },
  'top-k': { type: 'string' },
  target: { type: 'string' },
  'det-format': { type: 'string' },
  method: { type: 'string' },
  'aug-smooth': { type: 'boolean' },
  'eigen-smooth': { type: 'boolean' },
  'combine-layers': { type: 'boolean' },
  'score-cam-batch': { type: 'string' },
  'score-cam-channels': { type: 'string' },
  'ablation-batch': { type: 'string' },
  grid: { type: 'string' },
  layout: { type: 'string' },
  preprocess: { type: 'string' },
  resize: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  'channel-order': { type: 'string' },
  range: { type: 'string' },
  size: { type: 'string' },
  intensity: { type: 'string' },
  frame: { type: 'string' },
  labels: { type: 'string' },
  'batch-size': { type: 'string' },
  threads: { type: 'string' },
  out: { type: 'string' },
  figure: { type: 'boolean' },
  colormap: { type: 'string' },
  alpha: { type: 'string' },
  'no-relu': { type: 'boolean' },
  'save-cam': { type: 'string' },
  json: { type: 'string' },
  manifest: { type: 'string' },
  list: { type: 'string' },
  resume: { type: 'boolean' },
  overwrite: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  port: { type: 'string' },
  output: { type: 'string', short: 'o' },
  triton: { type: 'string' },
  'max-batch-size': { type: 'string' },
  metrics: { type: 'string' },
  boxes: { type: 'string' },
  csv: { type: 'string' },
  score: { type: 'string' },
  steps: { type: 'string' },
  'morf-percentile': { type: 'string' },
  'lerf-percentile': { type: 'string' },
  'road-noise': { type: 'string' },
  tolerance: { type: 'string' },
  'sanity-steps': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** A flag's name without its dashes. */
export type Flag = keyof typeof OPTIONS;

export type Parsed = ReturnType<typeof parse>;

export function parse(argv: string[]) {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    return { command: positionals[0], rest: positionals.slice(1), values };
  } catch (e) {
    const unknown = (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(argv) : undefined;
    throw new UsageError(`${unknown ?? (e as Error).message}\n${USAGE_HINT}`);
  }
}

/**
 * "Unknown option '--topk'. Did you mean --top-k?" for the first option gcam does not have, found again by a lenient
 * parse (node's own message has no suggestion). A single-dash word ('-topk') is a long option missing a dash, not the
 * short options -t -o -p -k.
 */
function unknownOption(argv: string[]): string | undefined {
  const { tokens } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: false, tokens: true });
  const t = tokens.find((x) => x.kind === 'option' && !Object.hasOwn(OPTIONS, x.name));
  if (!t || t.kind !== 'option') return undefined;
  const raw = argv[t.index].split('=')[0];
  const typed = raw.startsWith('--') ? raw.slice(2) : raw.length > 2 ? raw.slice(1) : '';
  return `Unknown option '${raw}'.${didYouMean(typed, Object.keys(OPTIONS), '--')}`;
}

/** Preset overrides from --resize, --channel-order, --range, --mean, --std. */
export function preprocessOverrides(v: Parsed['values']): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  if (v.resize !== undefined) {
    if (!['stretch', 'crop', 'letterbox'].includes(v.resize))
      throw new UsageError(`--resize must be stretch, crop or letterbox; got '${v.resize}'.`);
    o.resize = v.resize;
  }
  if (v['channel-order'] !== undefined) {
    const c = v['channel-order'].toUpperCase();
    if (c !== 'RGB' && c !== 'BGR') throw new UsageError(`--channel-order must be RGB or BGR; got '${v['channel-order']}'.`);
    o.channelOrder = c;
  }
  if (v.range !== undefined) {
    if (v.range !== '1' && v.range !== '255') throw new UsageError(`--range must be 1 or 255; got '${v.range}'.`);
    o.range = Number(v.range);
  }
  for (const key of ['mean', 'std'] as const) {
    const s = v[key];
    if (s === undefined) continue;
    const nums = s.split(',').map((x) => Number(x.trim()));
    if (nums.some((x) => !Number.isFinite(x)) || (key === 'std' && nums.some((x) => x === 0)))
      throw new UsageError(`--${key} must be comma-separated numbers${key === 'std' ? ' (non-zero)' : ''}; got '${s}'.`);
    o[key] = nums;
  }
  return o;
}

/** The integer a flag's text spells; `min` and `max` only for values the library does not check itself. */
export function intOption(v: string | undefined, name: string, min?: number, max?: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || (min !== undefined && n < min) || (max !== undefined && n > max)) {
    const range = max !== undefined ? ` from ${min ?? Number.MIN_SAFE_INTEGER} to ${max}` : min !== undefined ? ` ≥ ${min}` : '';
    throw new UsageError(`--${name} must be an integer${range}; got '${v}'.`);
  }
  return n;
}

/** --size: one side (a signal model's length L), or every spatial side separated by commas (H,W; D,H,W for volumes). */
export function sizeOption(v: string | undefined): number | number[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',');
  if (parts.length === 1) return intOption(v, 'size', 1);
  if (parts.length > 3 || parts.some((x) => !/^\s*\d+\s*$/.test(x) || Number(x) < 1))
    throw new UsageError(`--size must be S, H,W or D,H,W (positive integers); got '${v}'.`);
  return parts.map(Number);
}

/** --grid RxC (token grid of a vision transformer layer). */
export function gridOption(v: string | undefined): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)[x×,](\d+)$/.exec(v.trim());
  if (!m) throw new UsageError(`--grid must be ROWSxCOLUMNS, e.g. 14x14; got '${v}'.`);
  return [Number(m[1]), Number(m[2])];
}

const LAYOUTS = ['auto', 'nchw', 'nhwc', 'tokens'] as const;
export function layoutOption(v: string | undefined): (typeof LAYOUTS)[number] | undefined {
  if (v === undefined) return undefined;
  if (!(LAYOUTS as readonly string[]).includes(v))
    throw new UsageError(`--layout must be one of ${LAYOUTS.join(', ')}; got '${v}'.`);
  return v as (typeof LAYOUTS)[number];
}

/** The number a flag's text spells (its range is checked where it is used). */
export function numberOption(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number; got '${v}'.`);
  return n;
}
