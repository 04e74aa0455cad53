/** Argument checks shared by the target kinds: each failure says what the target needs. */
import { InvalidOptionError } from '../errors.js';
import { resolveClass } from '../labels/labels.js';
import type { OutputFacts } from './types.js';

export const perImage = (output: OutputFacts): number => output.dims.reduce((a, d) => a * d, 1);

/** One vector of class scores per image: [K], or [K, 1, 1] as a final 1×1 convolution leaves it (SqueezeNet). */
export const isVector = (output: OutputFacts): boolean => output.dims.filter((d) => d !== 1).length <= 1;

export const shapeText = (output: OutputFacts): string => `[N, ${output.dims.join(', ')}]`;

/** A class index (or label) of a classifier output [N, K]. */
export function classOf(arg: string | undefined, output: OutputFacts, kind: string): number {
  if (arg === undefined || arg.trim() === '')
    throw new InvalidOptionError('target', `'${kind}:' needs a class: ${kind}:C with C an index or a label.`);
  if (!isVector(output))
    throw new InvalidOptionError(
      'target',
      `'${kind}:${arg}' needs a classifier output [N, classes]; output '${output.name}' is ${shapeText(output)}` +
        (output.dims.length === 3 ? `: use seg:${arg} for a segmentation output.` : '.'),
    );
  try {
    return resolveClass(arg, perImage(output), output.labels);
  } catch (e) {
    throw new InvalidOptionError('target', `'${kind}:${arg}': ${(e as Error).message}`, { cause: e });
  }
}
