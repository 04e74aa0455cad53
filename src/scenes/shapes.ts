/**
 * The six shape classes as SVG elements, each with its exact axis-aligned bounding box. Coordinates are rounded to
 * 1/100 px before both the SVG text and the box are made from them, so the box is exact for what is drawn.
 * Platform-free.
 */

export const SHAPE_LABELS = ['circle', 'square', 'triangle', 'star', 'cross', 'ring'] as const;
export type ShapeLabel = (typeof SHAPE_LABELS)[number];

/** [x0, y0, x1, y1] in pixels, continuous coordinates (pixel column i covers [i, i + 1)). */
export type Box = [number, number, number, number];

export interface ShapeSpec {
  classIndex: number;
  cx: number;
  cy: number;
  /** Diameter of the circumscribed circle, px. */
  size: number;
  /** Radians, clockwise (SVG y points down). */
  rotation: number;
  /** CSS colour, e.g. '#a03cf0'. */
  fill: string;
  /**
   * In [0, 1): a class-specific proportion (star inner radius, ring hole, cross arm width), so each class has some
   * variety of its own without changing what it is.
   */
  variant: number;
}

export interface DrawnShape {
  svg: string;
  box: Box;
}

type Point = [number, number];

const round2 = (v: number) => Math.round(v * 100) / 100;
const lerp = (lo: number, hi: number, t: number) => lo + (hi - lo) * t;

/** Points given in the shape's frame (centre at 0, unrotated), rotated, moved and rounded. */
function place(spec: ShapeSpec, local: readonly Point[]): Point[] {
  const c = Math.cos(spec.rotation);
  const s = Math.sin(spec.rotation);
  return local.map(([x, y]) => [round2(spec.cx + x * c - y * s), round2(spec.cy + x * s + y * c)]);
}

/** Points on a circle of radius r starting at angle a0 (−π/2 puts the first one at the top). */
function regular(n: number, r: number, a0 = -Math.PI / 2): Point[] {
  return Array.from({ length: n }, (_, k) => [
    r * Math.cos(a0 + (2 * Math.PI * k) / n),
    r * Math.sin(a0 + (2 * Math.PI * k) / n),
  ]);
}

function polygon(spec: ShapeSpec, local: readonly Point[]): DrawnShape {
  const pts = place(spec, local);
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return {
    svg: `<polygon points="${pts.map((p) => p.join(',')).join(' ')}" fill="${spec.fill}"/>`,
    box: [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)],
  };
}

/** A circle as two arcs: as a path it can carry a hole (the ring) with the even-odd rule. */
function circlePath(cx: number, cy: number, r: number): string {
  return `M${round2(cx - r)} ${cy}a${r} ${r} 0 1 0 ${round2(2 * r)} 0a${r} ${r} 0 1 0 ${round2(-2 * r)} 0Z`;
}

function disc(spec: ShapeSpec, holeRatio: number): DrawnShape {
  const cx = round2(spec.cx);
  const cy = round2(spec.cy);
  const r = round2(spec.size / 2);
  const hole = holeRatio > 0 ? circlePath(cx, cy, round2(r * holeRatio)) : '';
  return {
    svg: `<path d="${circlePath(cx, cy, r)}${hole}" fill="${spec.fill}"${hole ? ' fill-rule="evenodd"' : ''}/>`,
    box: [round2(cx - r), round2(cy - r), round2(cx + r), round2(cy + r)],
  };
}

/** A plus sign whose arm ends touch the circumscribed circle: half arm width w, arm length L with L² + w² = R². */
function crossPoints(r: number, w: number): Point[] {
  const l = Math.sqrt(r * r - w * w);
  const quarter: Point[] = [
    [l, w],
    [w, w],
    [w, l],
  ];
  const out: Point[] = [];
  // The same three corners turned by 0, 90, 180, 270 degrees trace the outline in order.
  for (let k = 0; k < 4; k++) for (const [x, y] of quarter) out.push(rotate90([x, y], k));
  return out;
}

function rotate90([x, y]: Point, k: number): Point {
  for (let i = 0; i < k; i++) [x, y] = [-y, x];
  return [x, y];
}

function starPoints(r: number, innerRatio: number): Point[] {
  const outer = regular(5, r);
  const inner = regular(5, r * innerRatio, -Math.PI / 2 + Math.PI / 5);
  return outer.flatMap((p, k) => [p, inner[k]]);
}

/** The SVG element and bounding box of one shape. */
export function drawShape(spec: ShapeSpec): DrawnShape {
  const r = spec.size / 2;
  const t = spec.variant;
  switch (SHAPE_LABELS[spec.classIndex]) {
    case 'circle':
      return disc(spec, 0);
    case 'square':
      return polygon(spec, regular(4, r, -Math.PI / 4));
    case 'triangle':
      return polygon(spec, regular(3, r));
    case 'star':
      return polygon(spec, starPoints(r, lerp(0.4, 0.52, t)));
    case 'cross':
      return polygon(spec, crossPoints(r, r * lerp(0.22, 0.32, t)));
    case 'ring':
      return disc(spec, lerp(0.45, 0.62, t));
    default:
      throw new RangeError(`Shape class ${spec.classIndex} does not exist (0–${SHAPE_LABELS.length - 1}).`);
  }
}
