/** Per (method, layer, metric) statistics of the per-image values, and the best method by each metric. */
import type { Metric } from './metric.js';

export interface SummaryEntry {
  method: string;
  layer: string;
  metric: string;
  mean: number;
  /** Sample standard deviation (0 for one value). */
  std: number;
  /** Values averaged (NaN values are left out). */
  count: number;
}

export interface Recommendation {
  metric: string;
  higherIsBetter: boolean;
  method: string;
  layer: string;
  mean: number;
}

export function summarise(values: readonly { method: string; layer: string; metric: string; value: number }[]): SummaryEntry[] {
  const groups = new Map<string, { method: string; layer: string; metric: string; v: number[] }>();
  for (const e of values) {
    const key = JSON.stringify([e.method, e.layer, e.metric]);
    if (!groups.has(key)) groups.set(key, { method: e.method, layer: e.layer, metric: e.metric, v: [] });
    if (!Number.isNaN(e.value)) groups.get(key)!.v.push(e.value);
  }
  return [...groups.values()].map(({ method, layer, metric, v }) => {
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const ss = v.reduce((a, b) => a + (b - mean) ** 2, 0);
    return { method, layer, metric, mean, std: v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0, count: v.length };
  });
}

/** The best (method, layer) by each metric's mean; ties keep the first in the evaluated order. */
export function recommend(summary: readonly SummaryEntry[], metrics: readonly Metric[]): Recommendation[] {
  const out: Recommendation[] = [];
  for (const m of metrics) {
    let best: SummaryEntry | undefined;
    for (const e of summary)
      if (e.metric === m.name && e.count > 0 && (!best || (m.higherIsBetter ? e.mean > best.mean : e.mean < best.mean))) best = e;
    if (best)
      out.push({ metric: m.name, higherIsBetter: m.higherIsBetter, method: best.method, layer: best.layer, mean: best.mean });
  }
  return out;
}
