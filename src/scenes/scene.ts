/**
 * Procedural scenes with known answers: a few non-overlapping shapes of the six classes on a textured background
 * with distractor clutter, as SVG text plus each shape's class and exact bounding box. Platform-free; the same seed
 * always gives the same SVG (render-node.ts turns it into pixels).
 */
import { plainBackground, texturedBackground } from './background.js';
import { clutterItem } from './clutter.js';
import { contrastingColour, toHex, type Rgb } from './colour.js';
import { Prng } from './prng.js';
import { drawShape, SHAPE_LABELS, type Box, type DrawnShape, type ShapeLabel } from './shapes.js';

export { SHAPE_LABELS, type Box, type ShapeLabel } from './shapes.js';

export interface SceneOptions {
  /** Width and height in pixels (default 128). Shape sizes scale with it. */
  size?: number;
  /** Fewest and most shapes (defaults 1 and 3); the count is uniform between them. */
  minObjects?: number;
  maxObjects?: number;
  /** Exactly these classes, one shape each, in this order (overrides the object count). */
  classes?: readonly number[];
  /** A solid background and no clutter: for tests that locate shapes by colour. */
  plain?: boolean;
}

export interface SceneObject {
  classIndex: number;
  label: ShapeLabel;
  /** [x0, y0, x1, y1], pixels, exact for the drawn outline. */
  box: Box;
  color: Rgb;
}

export interface Scene {
  svg: string;
  width: number;
  height: number;
  objects: SceneObject[];
  seed: number;
  /** The solid background colour of a plain scene (undefined for textured ones). */
  background?: Rgb;
}

/** At 128 px: shapes are 18–44 px across (circumscribed circle), 2 px from the border, 4 px from each other. */
const MIN_SIZE = 18;
const MAX_SIZE = 44;
const MARGIN = 2;
const GAP = 4;
const PLACEMENT_TRIES = 400;

/** Whether two boxes come closer than `gap` pixels (overlap included). */
export function boxesTooClose(a: Box, b: Box, gap: number): boolean {
  return a[0] < b[2] + gap && b[0] < a[2] + gap && a[1] < b[3] + gap && b[1] < a[3] + gap;
}

export function generateScene(seed: number, options: SceneOptions = {}): Scene {
  const size = options.size ?? 128;
  const minObjects = options.minObjects ?? 1;
  const maxObjects = options.maxObjects ?? 3;
  if (!(Number.isInteger(size) && size >= 32)) throw new RangeError(`Scene size must be an integer ≥ 32, got ${size}.`);
  if (!(Number.isInteger(minObjects) && minObjects >= 0 && maxObjects >= minObjects))
    throw new RangeError(`Object counts must satisfy 0 ≤ minObjects ≤ maxObjects, got ${minObjects} and ${maxObjects}.`);
  for (const c of options.classes ?? [])
    if (!(Number.isInteger(c) && c >= 0 && c < SHAPE_LABELS.length))
      throw new RangeError(`Class ${c} does not exist (0–${SHAPE_LABELS.length - 1}).`);

  const rng = new Prng(seed);
  const scale = size / 128;
  const background = options.plain ? plainBackground(rng, size) : texturedBackground(rng, size);
  const classes =
    options.classes ?? Array.from({ length: rng.int(minObjects, maxObjects) }, () => rng.int(0, SHAPE_LABELS.length - 1));

  const shapes: DrawnShape[] = [];
  const objects: SceneObject[] = [];
  for (const classIndex of classes) {
    const color = contrastingColour(rng, background.colours);
    const drawn = placeShape(rng, classIndex, toHex(color), size, scale, shapes);
    shapes.push(drawn);
    objects.push({ classIndex, label: SHAPE_LABELS[classIndex], box: drawn.box, color });
  }
  const clutter = options.plain ? [] : placeClutter(rng, size, scale, shapes);
  // Clutter first: it never touches a shape's box anyway, and shapes on top keep their outlines whole.
  const body = background.svg + clutter.join('') + shapes.map((s) => s.svg).join('');
  return {
    svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${body}</svg>`,
    width: size,
    height: size,
    objects,
    seed,
    ...(options.plain ? { background: background.colours[0] } : {}),
  };
}

/**
 * Draws a shape at a random size, rotation and position that keeps it inside the image and away from the shapes
 * already placed. Rejection sampling; the largest size allowed shrinks with failed tries so crowded scenes still fit.
 */
function placeShape(rng: Prng, classIndex: number, fill: string, size: number, scale: number, placed: DrawnShape[]): DrawnShape {
  for (let t = 0; t < PLACEMENT_TRIES; t++) {
    const maxSize = MAX_SIZE - ((MAX_SIZE - MIN_SIZE) * t) / PLACEMENT_TRIES;
    const spec = {
      classIndex,
      cx: 0,
      cy: 0,
      size: rng.range(MIN_SIZE, maxSize) * scale,
      rotation: rng.range(0, 2 * Math.PI),
      fill,
      variant: rng.float(),
    };
    // The box at the origin tells how far the centre may go on each side.
    const [x0, y0, x1, y1] = drawShape(spec).box;
    spec.cx = rng.range(MARGIN - x0, size - MARGIN - x1);
    spec.cy = rng.range(MARGIN - y0, size - MARGIN - y1);
    const drawn = drawShape(spec);
    if (!placed.some((p) => boxesTooClose(p.box, drawn.box, GAP * scale))) return drawn;
  }
  throw new RangeError(`Cannot fit ${placed.length + 1} shapes in a ${size}×${size} scene; ask for fewer.`);
}

/** 4–12 distractors, each kept at least 2 px off every shape's box (up to 20 tries each, else skipped). */
function placeClutter(rng: Prng, size: number, scale: number, shapes: DrawnShape[]): string[] {
  const n = rng.int(4, 12);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 20; t++) {
      const item = clutterItem(rng, rng.range(0, size), rng.range(0, size), scale);
      if (!shapes.some((s) => boxesTooClose(s.box, item.box, 2 * scale))) {
        out.push(item.svg);
        break;
      }
    }
  }
  return out;
}

/** The multi-hot label vector of a scene (1 where at least one shape of the class is present). */
export function multiHot(scene: Scene): number[] {
  const v = SHAPE_LABELS.map(() => 0);
  for (const o of scene.objects) v[o.classIndex] = 1;
  return v;
}
