/**
 * Scores of perturbed inputs: the class score ('prob' or 'logit') of each request of each row, the model run on
 * batches of stacked copies. Copies are built just before their batch runs, so memory holds one batch, not every
 * copy of a row (deletion and insertion alone make 42 per row).
 */
import type { OutputActivation } from '../autodiff/rewrite.js';
import { outputProbabilities, softmax } from '../cam/scores.js';
import type { MetricRow, MetricSettings, MetricValue, PerturbationMetric, PerturbationRequest } from './metric.js';

export interface Scorer {
  /** The model's score tensor ([n, numClasses]: logits under a final Softmax/Sigmoid) for n stacked inputs. */
  run(inputs: Float32Array): Promise<Float32Array>;
  numClasses: number;
  /** What the model applies to its score tensor (autodiff/rewrite.ts scoreTensorOf). */
  activation: OutputActivation;
  /** Inputs per run. */
  batchSize: number;
}

/**
 * The class score of a scores row: the probability the model gives (softmax of the logits for a model without a
 * final activation, as pytorch-grad-cam's ClassifierOutputSoftmaxTarget) or the logit itself.
 */
export function classScore(
  row: ArrayLike<number>,
  cls: number,
  score: MetricSettings['score'],
  activation: OutputActivation,
): number {
  if (score === 'logit') return row[cls];
  return (activation === 'none' ? softmax(row) : outputProbabilities(row, activation))[cls];
}

/** The score rows ([numClasses] each) of every request of one row and of the unperturbed input (key ''), deduplicated by key. */
export async function scoreRequests(
  row: MetricRow,
  requests: readonly PerturbationRequest[],
  scorer: Scorer,
): Promise<Map<string, Float32Array>> {
  const unique = new Map<string, PerturbationRequest>([['', { key: '', make: () => row.input }]]);
  for (const r of requests) if (!unique.has(r.key)) unique.set(r.key, r);
  const all = [...unique.values()];
  const per = row.input.length;
  const k = scorer.numClasses;
  const out = new Map<string, Float32Array>();
  for (let s = 0; s < all.length; s += scorer.batchSize) {
    const part = all.slice(s, s + scorer.batchSize);
    const x = new Float32Array(per * part.length);
    part.forEach((r, i) => x.set(r.make(), i * per));
    const scores = await scorer.run(x);
    part.forEach((r, i) => out.set(r.key, scores.slice(i * k, (i + 1) * k)));
  }
  return out;
}

/** The metrics' values from the score rows of scoreRequests, with the class score the settings choose. */
export function valuesFromScores(
  row: MetricRow,
  metrics: readonly PerturbationMetric[],
  settings: MetricSettings,
  rows: ReadonlyMap<string, Float32Array>,
  activation: OutputActivation,
): MetricValue[] {
  const scores = new Map<string, number>();
  for (const [key, r] of rows) scores.set(key, classScore(r, row.classIndex, settings.score, activation));
  const original = scores.get('')!;
  return metrics.map((m) => m.value(original, scores, settings, row));
}

/** The values of several perturbation metrics on one row, their shared copies scored once. */
export async function perturbationValues(
  row: MetricRow,
  metrics: readonly PerturbationMetric[],
  settings: MetricSettings,
  scorer: Scorer,
): Promise<MetricValue[]> {
  const rows = await scoreRequests(
    row,
    metrics.flatMap((m) => m.requests(row, settings)),
    scorer,
  );
  return valuesFromScores(row, metrics, settings, rows, scorer.activation);
}
