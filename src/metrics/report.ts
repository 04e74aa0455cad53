/** An evaluation as text: the summary table, the per-image CSV, the recommendation and the mean curves. */
import type { Evaluation } from './evaluate.js';
import type { Chart, Series } from './plot.js';

/** One line per method × layer: the explained images (image, class pairs), then per metric mean ± spread (sample SD). */
export function summaryTable(ev: Evaluation): string {
  const header = ['method', 'layer', 'images', ...ev.metrics];
  const body = methodLayers(ev).map(({ method, layer }) => [
    method,
    layer,
    String(ev.rows.filter((r) => r.method === method && r.layer === layer).length),
    ...ev.metrics.map((metric) => {
      const s = ev.summary.find((e) => e.method === method && e.layer === layer && e.metric === metric);
      return s && s.count > 0 ? `${fmt(s.mean)} ± ${fmt(s.std)}` : '–';
    }),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [
    line(header),
    ...body.map(line),
    '(mean ± SD over the explained images; NaN values, e.g. of constant maps, left out)',
  ].join('\n');
}

/** "best by <metric> (higher|lower is better): <method> at <layer> (<mean>)", one per metric. */
export function recommendationLines(ev: Evaluation): string[] {
  const several = new Set(ev.rows.map((r) => r.layer)).size > 1;
  return ev.recommendations.map(
    (r) =>
      `best by ${r.metric} (${r.higherIsBetter ? 'higher' : 'lower'} is better): ${r.method}` +
      `${several ? ` at '${r.layer}'` : ''} (${fmt(r.mean)})`,
  );
}

/** One line per explained (method, layer, image, class), a column per metric. */
export function perImageCsv(ev: Evaluation): string {
  const cell = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [['method', 'layer', 'image', 'source', 'class', ...ev.metrics].join(',')];
  for (const r of ev.rows)
    lines.push(
      [r.method, r.layer, String(r.image), r.source, String(r.classIndex), ...ev.metrics.map((m) => String(r.values[m] ?? ''))]
        .map(cell)
        .join(','),
    );
  return lines.join('\n') + '\n';
}

/** Mean curves per method × layer: deletion and insertion against the fraction of pixels, ROAD against the percentile. */
export function curveCharts(ev: Evaluation): { name: string; chart: Chart }[] {
  const charts: { name: string; chart: Chart }[] = [];
  const kinds = [
    { metric: 'deletion', curve: 'deletion', title: 'Deletion', x: 'fraction of pixels deleted' },
    { metric: 'insertion', curve: 'insertion', title: 'Insertion', x: 'fraction of pixels inserted' },
    { metric: 'road', curve: 'morf', title: 'ROAD most relevant first', x: 'percentile' },
    { metric: 'road', curve: 'lerf', title: 'ROAD least relevant first', x: 'percentile' },
    {
      metric: 'sanity',
      curve: 'sanity',
      title: 'Sanity check: cascading randomisation',
      x: 'layers randomised (from the output)',
    },
  ];
  const yLabel = ev.settings.score === 'prob' ? 'class probability' : 'class logit';
  for (const k of kinds) {
    const series: Series[] = [];
    for (const { method, layer } of methodLayers(ev)) {
      const curves = ev.rows.filter((r) => r.method === method && r.layer === layer).map((r) => r.curves[k.metric]?.[k.curve]);
      const present = curves.filter((c) => c !== undefined);
      if (present.length === 0) continue;
      const y = present[0].x.map((_, i) => present.reduce((a, c) => a + c.y[i], 0) / present.length);
      series.push({ name: methodLayers(ev).length > methods(ev) ? `${method} ${layer}` : method, x: present[0].x, y });
    }
    if (series.length)
      charts.push({
        name: `${k.metric === 'road' ? `road-${k.curve}` : k.metric}.png`,
        chart: { title: k.title, xLabel: k.x, yLabel: yLabelOf(k.metric, yLabel), series },
      });
  }
  return charts;
}

function yLabelOf(metric: string, score: string): string {
  if (metric === 'road') return `change of the ${score}`;
  return metric === 'sanity' ? 'Spearman ρ with the original map' : score;
}

function methodLayers(ev: Evaluation): { method: string; layer: string }[] {
  const seen = new Map<string, { method: string; layer: string }>();
  for (const r of ev.rows) seen.set(JSON.stringify([r.method, r.layer]), { method: r.method, layer: r.layer });
  return [...seen.values()];
}

function methods(ev: Evaluation): number {
  return new Set(ev.rows.map((r) => r.method)).size;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? (Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(3)) : String(v);
}
