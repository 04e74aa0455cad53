/**
 * Distractors: short lines, dots, open arcs and zigzags, in the same colours as shapes, so that "something vivid is
 * here" never answers which class is present. None is a closed shape of any class.
 */
import { mutedColour, toHex, vividColour } from './colour.js';
import type { Prng } from './prng.js';
import type { Box } from './shapes.js';

export interface ClutterItem {
  svg: string;
  /** Conservative bounds (stroke width included), used to keep clutter off the shapes. */
  box: Box;
}

const r2 = (v: number) => Math.round(v * 100) / 100;

function boundsOf(points: [number, number][], pad: number): Box {
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs) - pad, Math.min(...ys) - pad, Math.max(...xs) + pad, Math.max(...ys) + pad];
}

function stroke(rng: Prng, width: number): string {
  const c = rng.chance(0.6) ? vividColour(rng) : mutedColour(rng);
  return `fill="none" stroke="${toHex(c)}" stroke-width="${r2(width)}" stroke-linecap="round"`;
}

/** One distractor near (x, y); `scale` is image size / 128. */
export function clutterItem(rng: Prng, x: number, y: number, scale: number): ClutterItem {
  const kind = rng.int(0, 3);
  if (kind === 0) {
    const len = rng.range(5, 18) * scale;
    const a = rng.range(0, Math.PI);
    const w = rng.range(1, 2.5) * scale;
    const p: [number, number][] = [
      [r2(x - (Math.cos(a) * len) / 2), r2(y - (Math.sin(a) * len) / 2)],
      [r2(x + (Math.cos(a) * len) / 2), r2(y + (Math.sin(a) * len) / 2)],
    ];
    return {
      svg: `<line x1="${p[0][0]}" y1="${p[0][1]}" x2="${p[1][0]}" y2="${p[1][1]}" ${stroke(rng, w)}/>`,
      box: boundsOf(p, w),
    };
  }
  if (kind === 1) {
    const r = r2(rng.range(0.8, 2.5) * scale);
    const c = rng.chance(0.6) ? vividColour(rng) : mutedColour(rng);
    return {
      svg: `<circle cx="${r2(x)}" cy="${r2(y)}" r="${r}" fill="${toHex(c)}"/>`,
      box: boundsOf([[x, y]], r + 1),
    };
  }
  if (kind === 2) {
    // An open arc of at most 200 degrees: never a full ring.
    const r = rng.range(4, 10) * scale;
    const a0 = rng.range(0, 2 * Math.PI);
    const span = rng.range(Math.PI / 4, (200 / 180) * Math.PI);
    const w = rng.range(1, 2.5) * scale;
    const start: [number, number] = [r2(x + r * Math.cos(a0)), r2(y + r * Math.sin(a0))];
    const end: [number, number] = [r2(x + r * Math.cos(a0 + span)), r2(y + r * Math.sin(a0 + span))];
    const large = span > Math.PI ? 1 : 0;
    return {
      svg: `<path d="M${start.join(' ')}A${r2(r)} ${r2(r)} 0 ${large} 1 ${end.join(' ')}" ${stroke(rng, w)}/>`,
      box: boundsOf([[x, y]], r + w),
    };
  }
  const n = rng.int(3, 5);
  const step = rng.range(3, 6) * scale;
  const a = rng.range(0, 2 * Math.PI);
  const pts: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    // Along direction a, alternating to either side of it.
    const along = (i - (n - 1) / 2) * step;
    const side = (i % 2 ? 1 : -1) * step * 0.6;
    pts.push([r2(x + along * Math.cos(a) - side * Math.sin(a)), r2(y + along * Math.sin(a) + side * Math.cos(a))]);
  }
  const w = rng.range(1, 2) * scale;
  return { svg: `<polyline points="${pts.map((p) => p.join(',')).join(' ')}" ${stroke(rng, w)}/>`, box: boundsOf(pts, w) };
}
