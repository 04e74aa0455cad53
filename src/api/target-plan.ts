/**
 * The `target` option resolved against the model (src/targets/): the output it reads, that output's facts, and either
 * plain classes (class:C, and output:NAME alone, run as today's class path) or a target function whose seeds replace
 * the one-hot rows.
 */
import { probeTensors } from '../autodiff/probe.js';
import { checkDeclaredShape, outputOf, scoreTensorOf } from '../autodiff/rewrite.js';
import type { DecodedModel } from '../onnx/decode.js';
import type { GraphView } from '../onnx/graph.js';
import { InvalidModelError, InvalidOptionError } from '../errors.js';
import { parseNpy } from '../io-npy.js';
import { classTarget } from '../targets/class.js';
import { parseTarget } from '../targets/index.js';
import type { OutputFacts, Target, TargetFiles } from '../targets/types.js';
import { DET_FORMATS } from '../targets/detections.js';
import { isVector } from '../targets/checks.js';
import type { ExplainOptions, Platform } from './options.js';

export interface ResolvedTarget {
  /** The options to plan with: class:C becomes `classes: [C]`. */
  options: ExplainOptions;
  /** The output explained (undefined: the first). */
  output?: string;
  /** Values per image of the explained output. */
  numClasses: number;
  /** The target function, for targets other than a class. */
  target?: Target;
  /** True when the output is one vector per image [N, K] (classes: predictions are listed). */
  classifier: boolean;
}

export async function resolveTargetOption(
  platform: Platform,
  decoded: DecodedModel,
  view: GraphView,
  inputShape: readonly number[],
  options: ExplainOptions,
  numClasses: number,
): Promise<ResolvedTarget> {
  if (options.target === undefined) return { options, numClasses, classifier: true };
  for (const other of ['classes', 'classesPerImage', 'topK'] as const)
    if (options[other] !== undefined)
      throw new InvalidOptionError('target', `replaces ${other}: give one of them (class:C is the target form of a class).`);
  const parsed = parseTarget(options.target);
  const name = outputOf(view, parsed.output);
  const { scoreTensor, outputActivation } = scoreTensorOf(view, name);
  const meta = (await probeTensors(platform.runtime, decoded, view, { [view.inputs[0].name]: inputShape }, [scoreTensor])).get(
    scoreTensor,
  );
  if (!meta) throw new InvalidModelError(`The model output '${name}' could not be measured.`);
  checkDeclaredShape(view, scoreTensor, meta.dims);
  const detFormat = options.detFormat ?? 'auto';
  if (detFormat !== 'auto' && !(DET_FORMATS as readonly string[]).includes(detFormat))
    throw new InvalidOptionError('detFormat', `'${detFormat}' is unknown; choose auto, ${DET_FORMATS.join(', ')}.`);
  const facts: OutputFacts = {
    name,
    dims: meta.dims.slice(1),
    activation: outputActivation,
    labels: options.labels,
    detFormat: detFormat === 'auto' ? undefined : detFormat,
  };
  const k = facts.dims.reduce((a, d) => a * d, 1);
  const output = parsed.output;
  const classifier = isVector(facts);
  if (!parsed.kind) return { options: { ...options, target: undefined }, output, numClasses: k, classifier };
  const target = await parsed.kind.bind(parsed.arg, facts, targetFiles(platform));
  if (parsed.kind === classTarget)
    return { options: { ...options, target: undefined, classes: [target.classIndex!] }, output, numClasses: k, classifier };
  return { options, output, numClasses: k, target, classifier };
}

/** Target files through the platform: .npy arrays and images. */
function targetFiles(platform: Platform): TargetFiles {
  const read = (path: string) => {
    if (!platform.readFile) throw new InvalidOptionError('target', `names the file '${path}' but this platform reads no files.`);
    return platform.readFile(path);
  };
  return {
    readArray: async (path) => parseNpy(await read(path), `target file '${path}'`),
    readImage: (path) => platform.decodeImage(path),
  };
}
