/**
 * Runs a plan on one batch of rows (a row = one model input and the class explained on it): what the method needs is
 * computed (explain run for gradients, forward run for activations and scores, masked inputs, ablated tails), turned
 * into raw maps and finished at every layer. Returns new values; the rows given are not changed.
 */
import { InvalidInputError } from '../errors.js';
import { AUGMENTATIONS, augmentInput, flipMaps } from '../cam/augment.js';
import { rawMaps } from '../cam/combine.js';
import type { CamContext, CamOutput } from '../cam/method.js';
import { gradcam } from '../cam/methods/gradcam.js';
import { topIndices } from '../cam/scores.js';
import { toSpatialLayer, type SpatialLayer } from '../cam/tokens.js';
import type { ExplainRun, LayerResult } from '../runtime/explain-session.js';
import type { SessionCache } from '../runtime/session-cache.js';
import { averageLayerMaps, finishMaps, type LayerMaps } from './layer-maps.js';
import type { ExplainPlan } from './plan.js';

export interface RowsRun {
  /** Per plan layer (one entry for input-level methods). */
  maps: LayerMaps[];
  /** The class explained on each row: the one given, or the row's top-scored class where none was. */
  classes: number[];
  /** [rows, numClasses]: the scores of the rows' inputs. */
  scores: Float32Array;
}

export interface RunnerContext {
  sessions: SessionCache;
  /** [N, C, H, W] (or [N, C, D, H, W] for volumes, [N, C, L] for signals) the model takes. */
  inputShape: readonly number[];
  inputName: string;
  numClasses: number;
}

/**
 * @param x the rows' model inputs [rows, C, H, W] (or [rows, C, D, H, W])
 * @param targets the class of each row; undefined: the row's predicted class (first top score of its first run)
 * @param seeds [rows, numClasses]: the seed of each row's backward pass (src/targets/) in place of the one-hot rows
 *   of `targets`, which then only name the rows' classes
 */
export async function runRows(
  rc: RunnerContext,
  plan: ExplainPlan,
  x: Float32Array,
  targets: readonly (number | undefined)[],
  seeds?: Float32Array,
): Promise<RowsRun> {
  if (!plan.augSmooth) return runOnce(rc, plan, x, targets, seeds);
  // aug-smooth: the final maps of flipped and brightness-scaled copies (cam/augment.ts), each flipped back, averaged
  // as they are (pytorch-grad-cam's order). The classes are those of the original inputs.
  // Flips are along the last (width) axis, which is contiguous in 2-D images and volumes alike (signals: time reversed).
  const inputSize = rc.inputShape.slice(2);
  const iw = inputSize[inputSize.length - 1];
  const planeSize = inputSize.slice(0, -1).reduce((a, b) => a * b, 1);
  const first = await runOnce(rc, plan, x, targets);
  const runs: LayerMaps[][] = [];
  for (const aug of AUGMENTATIONS) {
    const { maps } =
      !aug.flip && aug.factor === 1 ? first : await runOnce(rc, plan, augmentInput(x, planeSize, iw, aug), first.classes);
    runs.push(aug.flip ? maps.map((m) => ({ ...m, inputMaps: flipMaps(m.inputMaps, iw) })) : maps);
  }
  const maps = runs[0].map((_, li) =>
    averageLayerMaps(
      runs.map((r) => r[li]),
      inputSize,
      false,
      plan.relu,
    ),
  );
  return { maps, classes: first.classes, scores: first.scores };
}

async function runOnce(
  rc: RunnerContext,
  plan: ExplainPlan,
  x: Float32Array,
  targets: readonly (number | undefined)[],
  seeds?: Float32Array,
): Promise<RowsRun> {
  const [, c, ...inputSize] = rc.inputShape;
  const per = c * inputSize.reduce((a, b) => a * b, 1);
  const rows = targets.length;
  const inputDims = [rows, c, ...inputSize];
  const k = rc.numClasses;
  const req = plan.method.requires;
  const layerTensors = plan.inputOnly ? [] : [...new Set(plan.layers.map((l) => l.tensor))];
  const common = { inputShape: rc.inputShape, ...plan.session };
  const forwardSession = () => rc.sessions.forward({ targets: layerTensors, ...common });
  // One-hot target weights; a zero row makes an explain run explain its row's top class (autodiff/seed.ts).
  const weightsOf = (cls: readonly (number | undefined)[]) => {
    if (seeds) return seeds;
    const tw = new Float32Array(rows * k);
    cls.forEach((c, j) => c !== undefined && (tw[j * k + c] = 1));
    return tw;
  };
  // The classes explained: the given ones, else each row's first top score, as the graph's ArgMax chose it.
  let classes: (number | undefined)[] = [...targets];
  const settle = (s: Float32Array) => (classes = classes.map((cl, j) => cl ?? topIndices(s.subarray(j * k, (j + 1) * k), 1)[0]));

  let inputGradient: { data: Float32Array; dims: number[] } | undefined;
  let scores: Float32Array | undefined;
  if (req.inputGradient) {
    const ig = await rc.sessions.explain({ targets: [rc.inputName], rules: req.inputGradient, ...common });
    const run = await ig.run(x, weightsOf(classes));
    inputGradient = { data: run.layers[0].gradient, dims: inputDims };
    settle((scores = run.scores));
  }
  let layerRun: ExplainRun | undefined;
  if (!plan.inputOnly) {
    layerRun = req.layerGradients
      ? await (await rc.sessions.explain({ targets: layerTensors, ...common })).run(x, weightsOf(classes))
      : await (await forwardSession()).run(x, { activations: true });
    settle((scores = layerRun.scores));
  }
  const settled = classes as number[];
  const rowScores = Float32Array.from(settled, (cls, j) => scores![j * k + cls]);
  const forward = req.perturbation === 'input-masks' ? await forwardSession() : undefined;

  const maps: LayerMaps[] = [];
  for (const layer of plan.layers) {
    const lr = layerRun?.layers.find((l) => l.tensor === layer.tensor);
    const values = lr ? spatial(lr, rows, rc.inputShape, plan) : undefined;
    if (values && values.layout !== 'nchw' && req.perturbation === 'ablation')
      throw new InvalidInputError(
        `Ablation-CAM needs a [N, C, ...spatial] layer; '${layer.name}' is ${values.layout} ([${lr!.dims.join(', ')}]). Use Score-CAM or a gradient method.`,
      );
    const tail = req.perturbation === 'ablation' ? await rc.sessions.tail({ target: layer.tensor, ...common }) : undefined;
    const ctx: CamContext = {
      layer: values,
      inputGradient,
      input: x,
      inputDims,
      classes: settled,
      scores: rowScores,
      forward: forward && ((inputs) => forward.scores(inputs)),
      tail: tail && ((acts, row) => tail.scores(acts, x.subarray(row * per, (row + 1) * per))),
      settings: plan.settings,
      gradCamAtInput: values
        ? () => finishMaps(rawMaps(gradcam.compute({ ...ctx }) as CamOutput, values, false, inputDims), true, inputSize).inputMaps
        : undefined,
    };
    const raw = rawMaps(await plan.method.compute(ctx), values, plan.eigenSmooth, inputDims);
    maps.push(finishMaps(raw, plan.relu, inputSize));
  }
  return { maps, classes: settled, scores: scores! };
}

/**
 * The layer in CAM form [N, C, h, w]: token tensors of vision transformers on their grid (class token dropped) and
 * channels-last maps transposed (cam/tokens.ts); an activations-only run has no gradient to move.
 */
function spatial(lr: LayerResult, rows: number, inputShape: readonly number[], plan: ExplainPlan): SpatialLayer {
  const hasGradient = lr.gradient.length > 0;
  const values = { dims: lr.dims, activation: lr.activation, gradient: hasGradient ? lr.gradient : lr.activation };
  // Volumes and signals have no token or channels-last layouts to detect: their layers are read as [N, C, ...spatial].
  const s =
    inputShape.length === 4
      ? toSpatialLayer(values, { ...plan.spatial, inputSize: [inputShape[2], inputShape[3]], batch: rows })
      : toSpatialLayer(values, { layout: 'nchw' });
  return hasGradient ? s : { ...s, gradient: new Float32Array(0) };
}
