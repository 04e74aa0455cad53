/**
 * How a failure reaches the user: one line on stderr, naming the flag where the library names its option, and an
 * exit code (1 failure, 2 bad usage or bad input).
 */
import { GcamError, InvalidOptionError, type ExplainOptions, type PreprocessSpec } from '../node.js';
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

export function reportError(e: unknown): number {
  if (e instanceof GcamError) {
    console.error(`gcam: ${cliMessage(e)}`);
    return e.code === 'RUNTIME' || e.code === 'WRITE_FAILED' ? 1 : 2;
  }
  console.error(`gcam: unexpected failure: ${(e as Error).stack ?? e}`);
  return 1;
}
