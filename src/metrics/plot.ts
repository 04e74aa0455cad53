/** Line charts as SVG text (the CLI rasterises them to PNG): one chart per curve kind, a line per method × layer. */

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
}

export interface Chart {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
}

/** Distinct colours for up to 10 lines (then they repeat). */
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

const W = 640;
const H = 420;
const M = { left: 70, right: 20, top: 40, bottom: 55 };

export function chartSvg(c: Chart): string {
  const xs = c.series.flatMap((s) => s.x);
  const ys = c.series.flatMap((s) => s.y).filter(Number.isFinite);
  const [x0, x1] = span(xs);
  const [y0, y1] = span(ys);
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${escape(c.title)}</text>`,
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#444"/>`,
  ];
  for (const t of ticks(x0, x1))
    parts.push(
      `<text x="${px(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`,
      `<line x1="${px(t)}" x2="${px(t)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#444"/>`,
    );
  for (const t of ticks(y0, y1))
    parts.push(
      `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`,
      `<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`,
    );
  parts.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${escape(c.xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(c.yLabel)}</text>`,
  );
  c.series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const points = s.x.map((x, j) => `${px(x).toFixed(1)},${py(s.y[j]).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${colour}" stroke-width="2"/>`,
      `<line x1="${W - M.right - 170}" x2="${W - M.right - 150}" y1="${M.top + 14 + 16 * i}" y2="${M.top + 14 + 16 * i}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${W - M.right - 145}" y="${M.top + 18 + 16 * i}">${escape(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The values' range, widened when it is a single value. */
function span(v: readonly number[]): [number, number] {
  let lo = Math.min(...v);
  let hi = Math.max(...v);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi - lo < 1e-12) {
    lo -= 0.5;
    hi += 0.5;
  }
  return [lo, hi];
}

/** About 5 round tick values inside [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 5));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (hi - lo) / s <= 6)!;
  const out: number[] = [];
  for (let t = Math.ceil(lo / nice) * nice; t <= hi + nice * 1e-9; t += nice) out.push(Math.abs(t) < nice * 1e-9 ? 0 : t);
  return out;
}

function fmt(v: number): string {
  return Number(v.toPrecision(4)).toString();
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
