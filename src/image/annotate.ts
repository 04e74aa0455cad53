/** Marks drawn over an overlay: a region's outline (a seg target's mask) and a box (a detection target's). */
import type { RawImage } from './raw.js';

/** White, visible on every colormap's hues. */
const MARK: readonly number[] = [255, 255, 255];

function paint(img: RawImage, x: number, y: number): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  const o = (y * img.width + x) * img.channels;
  for (let c = 0; c < Math.min(3, img.channels); c++) img.data[o + c] = MARK[c];
}

/** A copy of `img` with the border pixels of `mask` (inside, with a 4-neighbour outside or at the edge) painted. */
export function outlineMask(img: RawImage, mask: Uint8Array): RawImage {
  const out = { ...img, data: Uint8Array.from(img.data) };
  const { width: w, height: h } = img;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && mask[y * w + x] === 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) paint(out, x, y);
  return out;
}

/** A copy of `img` with the rectangle x1, y1, x2, y2 (pixel coordinates) drawn `thickness` pixels wide. */
export function drawBox(img: RawImage, box: readonly number[], thickness = Math.max(1, Math.round(img.width / 200))): RawImage {
  const out = { ...img, data: Uint8Array.from(img.data) };
  const [x1, y1, x2, y2] = box.map(Math.round);
  for (let t = 0; t < thickness; t++) {
    for (let x = x1; x <= x2; x++) {
      paint(out, x, y1 + t);
      paint(out, x, y2 - t);
    }
    for (let y = y1; y <= y2; y++) {
      paint(out, x1 + t, y);
      paint(out, x2 - t, y);
    }
  }
  return out;
}
