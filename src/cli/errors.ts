/**
 * How a failure reaches the user: one line on stderr, naming the flag where the library names its option, and an
 * exit code (1 failure of gcam itself, 2 bad usage or bad input).
 */
import { GcamError, InvalidModelError, InvalidOptionError, RuntimeError } from '../errors.js';
import type { ExplainOptions } from '../api/options.js';
import type { PreprocessSpec } from '../image/preprocess.js';
import type { Flag } from './args.js';

/** Every library option a flag sets. Typed both ways, so a renamed option or flag fails to compile here. */
const FLAG_OF_OPTION: { [option in keyof ExplainOptions | keyof PreprocessSpec | 'colormap' | 'alpha']?: `--${Flag}` } = {
  layers: '--layer',
  classes: '--class',
  topK: '--top-k',
  method: '--method',
  augSmooth: '--aug-smooth',
  eigenSmooth: '--eigen-smooth',
  combineLayers: '--combine-layers',
  scoreCamBatch: '--score-cam-batch',
  scoreCamChannels: '--score-cam-channels',
  ablationBatch: '--ablation-batch',
  grid: '--grid',
  layout: '--layout',
  relu: '--no-relu',
  preprocess: '--preprocess',
  intensity: '--intensity',
  resize: '--resize',
  channelOrder: '--channel-order',
  range: '--range',
  mean: '--mean',
  std: '--std',
  size: '--size',
  labels: '--labels',
  batchSize: '--batch-size',
  threads: '--threads',
  colormap: '--colormap',
  alpha: '--alpha',
};

/** The error's message as the CLI prints it: an InvalidOptionError starts with the flag instead of the option's name. */
export function cliMessage(e: GcamError): string {
  if (!(e instanceof InvalidOptionError) || !Object.hasOwn(FLAG_OF_OPTION, e.option) || !e.message.startsWith(e.option))
    return e.message;
  return FLAG_OF_OPTION[e.option as keyof typeof FLAG_OF_OPTION] + e.message.slice(e.option.length);
}

/**
 * The error codes that mean the user gave something gcam cannot use, exit code 2: an option (USAGE), a destination
 * that cannot be written, at the start of the run or while writing (DESTINATION, WRITE_FAILED), a model, whether gcam
 * refuses it or onnxruntime does on loading it (INVALID_MODEL: see userModel), an input or the library option it
 * breaks, a layer that is missing or that a short name cannot pick out (AMBIGUOUS_LAYER), or a path to the output
 * gcam cannot differentiate. Everything else, and any error without a code, is a failure of gcam itself, exit code 1:
 * RUNTIME is onnxruntime failing on a model it had accepted, so on the explain model gcam built; UNSUPPORTED_PLATFORM
 * cannot come from Node.
 */
const BAD_INPUT = new Set([
  'USAGE',
  'DESTINATION',
  'WRITE_FAILED',
  'INVALID_MODEL',
  'INVALID_INPUT',
  'IMAGE_READ',
  'LAYER_NOT_FOUND',
  'AMBIGUOUS_LAYER',
  'LAYER_NOT_ON_PATH',
  'UNSUPPORTED_OP',
]);

export function exitCodeOf(e: unknown): 1 | 2 {
  return e instanceof GcamError && BAD_INPUT.has(e.code) ? 2 : 1;
}

/**
 * `loading` loads a model the user named: onnxruntime rejecting it says something about that model, not about gcam,
 * so its RuntimeError becomes the InvalidModelError it is (same message).
 */
export async function userModel<T>(loading: Promise<T>): Promise<T> {
  try {
    return await loading;
  } catch (e) {
    throw e instanceof RuntimeError ? new InvalidModelError(e.message, { cause: e }) : e;
  }
}

export function reportError(e: unknown): number {
  if (e instanceof GcamError) console.error(`gcam: ${cliMessage(e)}`);
  else console.error(`gcam: unexpected failure: ${(e as Error).stack ?? e}`);
  return exitCodeOf(e);
}
