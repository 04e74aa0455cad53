/**
 * Raw detector outputs (no NMS in the graph) for the box and det targets: the layouts, decoding one image's boxes,
 * and non-maximum suppression, which picks the explained box from a forward run and stays outside the differentiated
 * path.
 *  - 'yolov8': [4 + classes, anchors] per image (Ultralytics YOLOv8/v11 export): cx, cy, w, h, then class scores.
 *  - 'yolov5': [anchors, 5 + classes] per image (YOLOv5/v7): cx, cy, w, h, objectness, then class scores; the score
 *    of class c is objectness · class_c.
 * Coordinates are in model-input pixels.
 */
import { InvalidOptionError } from '../errors.js';
import { perImage, shapeText } from './checks.js';
import type { OutputFacts, Target } from './types.js';

export type DetFormat = 'yolov8' | 'yolov5';
export const DET_FORMATS: readonly DetFormat[] = ['yolov8', 'yolov5'];

/** IoU above which a lower-scored box of the same class is suppressed (Ultralytics' default). */
export const NMS_IOU = 0.7;

export interface Layout {
  format: DetFormat;
  anchors: number;
  classes: number;
}

export type Box = [number, number, number, number];

export interface Detection {
  anchor: number;
  cls: number;
  score: number;
  /** x1, y1, x2, y2 */
  box: Box;
}

/** The output's layout: as given, or told apart by which axis is the long one (anchors outnumber fields). */
export function layoutOf(output: OutputFacts, kind: string): Layout {
  const d = output.dims;
  const fail = (why: string) =>
    new InvalidOptionError(
      'target',
      `'${kind}' needs a raw detection output [N, 4 + classes, anchors] (YOLOv8) or [N, anchors, 5 + classes] ` +
        `(YOLOv5); output '${output.name}' is ${shapeText(output)}${why}`,
    );
  if (d.length !== 2) throw fail(d.length === 1 ? ': a classifier, use class:C.' : d.length === 3 ? ': use seg:C.' : '.');
  const format = output.detFormat ?? (d[0] < d[1] ? 'yolov8' : 'yolov5');
  if (format === 'yolov8' && d[0] >= 5) return { format, anchors: d[1], classes: d[0] - 4 };
  if (format === 'yolov5' && d[1] >= 6) return { format, anchors: d[0], classes: d[1] - 5 };
  throw fail(`, too few fields for the ${format} layout${output.detFormat ? '' : ' (give --det-format)'}.`);
}

/** Flat index of field f of anchor a in one image's output. */
export function at(l: Layout, a: number, f: number): number {
  return l.format === 'yolov8' ? f * l.anchors + a : a * (l.classes + 5) + f;
}

/** The score of class c at anchor a, and d(score)/d(output) written into `seed`. */
export function classScore(l: Layout, s: Float32Array, a: number, c: number, seed?: Float32Array): number {
  if (l.format === 'yolov8') {
    if (seed) seed[at(l, a, 4 + c)] = 1;
    return s[at(l, a, 4 + c)];
  }
  const obj = s[at(l, a, 4)];
  const cls = s[at(l, a, 5 + c)];
  if (seed) {
    seed[at(l, a, 4)] = cls;
    seed[at(l, a, 5 + c)] = obj;
  }
  return obj * cls;
}

export function iou(a: Box, b: Box): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Every anchor's best class and box, then class-wise greedy NMS: by descending score (ties: lower anchor first), a box
 * is kept unless a kept box of its class overlaps it by more than NMS_IOU. Returns the kept detections, best first.
 */
export function detect(l: Layout, s: Float32Array): Detection[] {
  const all: Detection[] = [];
  for (let a = 0; a < l.anchors; a++) {
    let cls = 0;
    let score = -Infinity;
    for (let c = 0; c < l.classes; c++) {
      const v = classScore(l, s, a, c);
      if (v > score) [cls, score] = [c, v];
    }
    const [cx, cy, w, h] = [0, 1, 2, 3].map((f) => s[at(l, a, f)]);
    all.push({ anchor: a, cls, score, box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
  }
  all.sort((p, q) => q.score - p.score || p.anchor - q.anchor);
  const kept: Detection[] = [];
  for (const d of all) if (!kept.some((k) => k.cls === d.cls && iou(k.box, d.box) > NMS_IOU)) kept.push(d);
  return kept;
}

/**
 * The target of the detection `pick` chooses from a forward run's scores (box and det): f = its class score, the seed
 * d(score)/d(output) at its anchor (classScore).
 */
export function detectionTarget(
  text: string,
  layout: Layout,
  output: OutputFacts,
  pick: (s: Float32Array) => Detection,
  classIndex?: number,
): Target {
  return {
    text,
    reads: 'output',
    classIndex,
    needsScores: true,
    seed: (s) => {
      const g = new Float32Array(perImage(output));
      const d = pick(s!);
      classScore(layout, s!, d.anchor, d.cls, g);
      return g;
    },
    value: (s) => pick(s).score,
    detection: pick,
  };
}
