/** The one list of faithfulness metrics: it feeds `--metrics`, evaluate()'s `metrics` option and docs/evaluate.md (guarded by a test). */
import { distance } from 'fastest-levenshtein';
import { InvalidOptionError } from '../errors.js';
import { avgDrop } from './avg-drop.js';
import { deletion } from './deletion.js';
import { drop } from './drop.js';
import { energyPointing } from './energy-pointing.js';
import { increase } from './increase.js';
import { insertion } from './insertion.js';
import type { Metric } from './metric.js';
import { pointing } from './pointing.js';
import { road } from './road.js';
import { roadLerf } from './road-lerf.js';
import { roadLerfAvg } from './road-lerf-avg.js';
import { roadMorf } from './road-morf.js';
import { roadMorfAvg } from './road-morf-avg.js';
import { sanity } from './sanity.js';

export const METRICS: readonly Metric[] = [
  drop,
  increase,
  avgDrop,
  roadMorf,
  roadLerf,
  roadMorfAvg,
  roadLerfAvg,
  road,
  deletion,
  insertion,
  pointing,
  energyPointing,
  sanity,
];

export const METRIC_NAMES = METRICS.map((m) => m.name);

/** The metrics named, in the list's order; an unknown name is an InvalidOptionError with the closest names. */
export function metricsFor(names: readonly string[]): Metric[] {
  for (const n of names)
    if (!METRIC_NAMES.includes(n)) {
      const close = closest(n, METRIC_NAMES);
      throw new InvalidOptionError(
        'metrics',
        `'${n}' is unknown${close.length ? `; did you mean ${close.map((c) => `'${c}'`).join(' or ')}?` : '.'} Available: ${METRIC_NAMES.join(', ')}.`,
      );
    }
  return METRICS.filter((m) => names.includes(m.name));
}

/** Names within edit distance 2 of `name`, or that start with it, closest first. */
function closest(name: string, names: readonly string[]): string[] {
  return names
    .map((n) => ({ n, d: n.startsWith(name) ? 0 : distance(name, n) }))
    .filter((c) => c.d <= 2)
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map((c) => c.n);
}
