/**
 * Maps on canvases: the image, the heatmap over it at the chosen opacity, the peak marked, the value under the
 * cursor. The heatmap is the library's (heatmap(): the same colormaps and rounding as `gcam explain`), composited by
 * the canvas with globalAlpha, which is (1 − α)·image + α·heatmap as overlay() computes it; the slider then redraws
 * without recolouring the map.
 */
import { heatmap, toImageData, type ExplainResult, type RawImage } from '../web.js';
import { peakOf } from '../eval/pointing-game.js';

export interface Look {
  colormap: string;
  alpha: number;
  signed: boolean;
}

/** The values drawn: [0, 1] maps as they are, signed maps in [-1, 1] moved so 0 is the colormap's middle (as the CLI). */
export function displayMap(r: ExplainResult, signed: boolean): Float32Array {
  return signed ? r.map.map((x) => (x + 1) / 2) : r.map;
}

const bases = new WeakMap<RawImage, OffscreenCanvas>();
const heats = new WeakMap<ExplainResult, { key: string; canvas: OffscreenCanvas }>();

function pictureOf(img: RawImage): OffscreenCanvas {
  const c = new OffscreenCanvas(img.width, img.height);
  c.getContext('2d')!.putImageData(toImageData(img), 0, 0);
  return c;
}

function baseOf(img: RawImage): OffscreenCanvas {
  let c = bases.get(img);
  if (!c) bases.set(img, (c = pictureOf(img)));
  return c;
}

function heatOf(r: ExplainResult, look: Look): OffscreenCanvas {
  const key = `${look.colormap}|${look.signed}`;
  const kept = heats.get(r);
  if (kept?.key === key) return kept.canvas;
  const canvas = pictureOf(heatmap(displayMap(r, look.signed), r.width, r.height, look.colormap));
  heats.set(r, { key, canvas });
  return canvas;
}

/**
 * Draws the overlay of r on its image, at most maxSide pixels on the longer side (a grid of a 12-megapixel photo
 * would otherwise hold several full-size canvases). The canvas keeps the image's aspect; CSS sizes it on the page.
 */
export function drawOverlay(canvas: HTMLCanvasElement, base: RawImage, r: ExplainResult, look: Look, maxSide = 1024): void {
  const s = Math.min(1, maxSide / Math.max(base.width, base.height));
  canvas.width = Math.max(1, Math.round(base.width * s));
  canvas.height = Math.max(1, Math.round(base.height * s));
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.globalAlpha = 1;
  ctx.drawImage(baseOf(base), 0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = look.alpha;
  ctx.drawImage(heatOf(r, look), 0, 0, canvas.width, canvas.height);
  ctx.globalAlpha = 1;
}

/** Just the image (no map yet). */
export function drawImage(canvas: HTMLCanvasElement, base: RawImage, maxSide = 1024): void {
  const s = Math.min(1, maxSide / Math.max(base.width, base.height));
  canvas.width = Math.max(1, Math.round(base.width * s));
  canvas.height = Math.max(1, Math.round(base.height * s));
  canvas.getContext('2d')!.drawImage(baseOf(base), 0, 0, canvas.width, canvas.height);
}

/** The map's largest value and where it is, in the map's own pixels. */
export function peak(r: ExplainResult): { x: number; y: number; value: number } {
  const [x, y] = peakOf(r.map, r.width);
  return { x, y, value: r.map[y * r.width + x] };
}

/** Puts the marker element (absolutely placed over the canvas) on the peak's pixel centre. */
export function placePeak(marker: HTMLElement, r: ExplainResult): void {
  const p = peak(r);
  marker.style.left = `${((p.x + 0.5) / r.width) * 100}%`;
  marker.style.top = `${((p.y + 0.5) / r.height) * 100}%`;
  marker.hidden = false;
  marker.title = `peak (${p.x}, ${p.y}) = ${p.value.toFixed(4)}`;
}

/** The map pixel under a pointer event on a canvas showing r, and its value. */
export function valueAt(r: ExplainResult, canvas: HTMLCanvasElement, ev: MouseEvent): { x: number; y: number; value: number } {
  const box = canvas.getBoundingClientRect();
  const x = Math.min(r.width - 1, Math.max(0, Math.floor(((ev.clientX - box.left) / box.width) * r.width)));
  const y = Math.min(r.height - 1, Math.max(0, Math.floor(((ev.clientY - box.top) / box.height) * r.height)));
  return { x, y, value: r.map[y * r.width + x] };
}
