/**
 * --boxes: the annotated objects of the evaluated images, from a COCO-style JSON file ("images" with "file_name",
 * "annotations" with "image_id", "category_id" and "bbox" [x, y, width, height] or a "segmentation", "categories"
 * naming the classes) or a CSV file with the header image,class,x0,y0,x1,y1 (class: an index or a label). A COCO
 * segmentation, polygons [[x1, y1, x2, y2, …], …] or an RLE { counts, size: [h, w] } (counts a list or COCO's string), is the object's
 * region in place of its bbox. Images are matched by path, else by file name; every evaluated image needs at least one
 * object.
 */
import { basename } from 'node:path';
import { InvalidInputError, resolveClass, type Annotation, type Region } from '../node.js';
import { checkRings } from '../metrics/polygon-mask.js';
import { decodeRle } from '../metrics/rle.js';

interface Box {
  image: string;
  cls: number;
  region: Region;
}

/** Per input path, its annotations, in the inputs' order. */
export function annotationsFor(
  text: string,
  file: string,
  inputs: readonly string[],
  numClasses: number,
  labels?: readonly string[],
): Annotation[][] {
  const boxes = text.trimStart().startsWith('{')
    ? cocoBoxes(text, file, numClasses, labels)
    : csvBoxes(text, file, numClasses, labels);
  const missing: string[] = [];
  const out = inputs.map((path) => {
    const own = boxes.filter((b) => b.image === path);
    const mine = own.length ? own : boxes.filter((b) => basename(b.image) === basename(path));
    if (mine.length === 0) missing.push(path);
    return mine.map((b) => ({ classIndex: b.cls, region: b.region }));
  });
  if (missing.length)
    throw new InvalidInputError(
      `--boxes ${file} has no box for ${missing.length} of the ${inputs.length} images (${missing.slice(0, 3).join(', ')}` +
        `${missing.length > 3 ? ', …' : ''}); its images are named ${[...new Set(boxes.map((b) => b.image))].slice(0, 3).join(', ') || 'nothing'}.`,
    );
  return out;
}

function cocoBoxes(text: string, file: string, numClasses: number, labels?: readonly string[]): Box[] {
  const bad = (why: string) => new InvalidInputError(`--boxes ${file} is not a COCO-style file: ${why}.`);
  let doc: {
    images?: { id: unknown; file_name?: unknown }[];
    annotations?: { image_id: unknown; category_id: unknown; bbox?: unknown; segmentation?: unknown }[];
    categories?: { id: unknown; name?: unknown }[];
  };
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(doc.images) || !Array.isArray(doc.annotations)) throw bad('it needs "images" and "annotations" lists');
  const names = new Map(doc.images.map((im) => [im.id, String(im.file_name)]));
  const categories = new Map((doc.categories ?? []).map((c) => [c.id, c.name]));
  return doc.annotations.map((a, i) => {
    const image = names.get(a.image_id);
    if (image === undefined) throw bad(`annotation #${i} names image_id ${String(a.image_id)}, which "images" lacks`);
    const name = categories.get(a.category_id);
    const cls = resolveClass(typeof name === 'string' ? name : Number(a.category_id), numClasses, labels);
    return { image, cls, region: segmentation(a.segmentation, `--boxes ${file} annotation #${i}`) ?? cocoBox(a.bbox, i, bad) };
  });
}

/** A COCO bbox [x, y, width, height] as a box region [x0, y0, x1, y1]. */
function cocoBox(b: unknown, i: number, bad: (why: string) => Error): Region {
  if (!Array.isArray(b) || b.length !== 4 || !b.every((v) => typeof v === 'number' && Number.isFinite(v)))
    throw bad(`annotation #${i} has no bbox [x, y, width, height] and no segmentation`);
  return { box: [b[0], b[1], b[0] + b[2], b[1] + b[3]] };
}

/** A COCO segmentation as a region (polygons, or an RLE decoded to its mask); undefined when there is none. */
function segmentation(seg: unknown, what: string): Region | undefined {
  if (seg === undefined || seg === null || (Array.isArray(seg) && seg.length === 0)) return undefined;
  if (Array.isArray(seg)) {
    checkRings(seg, what);
    return { polygons: seg };
  }
  if (typeof seg === 'object') return decodeRle(seg, what);
  throw new InvalidInputError(`${what}: a segmentation is a list of polygons or an RLE { counts, size }.`);
}

function csvBoxes(text: string, file: string, numClasses: number, labels?: readonly string[]): Box[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0]?.split(',').map((h) => h.trim().toLowerCase());
  const want = ['image', 'class', 'x0', 'y0', 'x1', 'y1'];
  if (!header || want.some((w, i) => header[i] !== w))
    throw new InvalidInputError(`--boxes ${file}: a CSV of boxes needs the header ${want.join(',')}; got '${lines[0] ?? ''}'.`);
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',').map((c) => c.trim());
    const nums = cells.slice(2, 6).map(Number);
    if (cells.length !== 6 || nums.some((v) => !Number.isFinite(v)) || nums[2] < nums[0] || nums[3] < nums[1])
      throw new InvalidInputError(
        `--boxes ${file} line ${i + 2}: expected image,class,x0,y0,x1,y1 with x0 ≤ x1, y0 ≤ y1; got '${line}'.`,
      );
    return {
      image: cells[0],
      cls: resolveClass(cells[1], numClasses, labels),
      region: { box: nums as [number, number, number, number] },
    };
  });
}
