/**
 * A signal and its map as one picture, platform-free (RawImage out): the first few channels as line plots, one lane
 * each (every channel min-max scaled to its lane), a vertical mark at the map's peak across the lanes, and the map
 * underneath as a coloured band along the same time axis. Time runs left to right at a whole number of pixels per
 * sample for short signals, and at most MAX_WIDTH pixels for long ones (a column then shows the samples it covers:
 * the line's every segment, the band's strongest value).
 */
import { colormapLut } from '../image/colormap.js';
import type { RawImage } from '../image/raw.js';

/** Channels drawn at most; a signal with more shows its first ones. */
export const MAX_PLOTTED_CHANNELS = 4;
const MIN_WIDTH = 600;
const MAX_WIDTH = 1200;
const LANE = 64;
const GAP = 6;
const BAND = 20;
const BACKGROUND = [255, 255, 255];
const LANE_BACKGROUND = [244, 244, 246];
const LINE = [20, 40, 90];
const PEAK = [220, 40, 40];

export interface SignalPlotOptions {
  colormap: string;
  /** Maps in [-1, 1] (relu off): shown with 0 at the middle of the colormap, the band keeping the largest |value|. */
  signed: boolean;
}

/** The plot's width for a signal of `length` samples: a whole factor of it when short, capped when long. */
export function plotWidth(length: number): number {
  return length < MIN_WIDTH ? length * Math.ceil(MIN_WIDTH / length) : Math.min(length, MAX_WIDTH);
}

/**
 * `signal`: row-major [channels, L]; `map`: [L], the explanation at the signal's samples. Returns an RGB image
 * plotWidth(L) wide.
 */
export function signalPlot(signal: Float32Array, channels: number, map: Float32Array, o: SignalPlotOptions): RawImage {
  const length = map.length;
  const width = plotWidth(length);
  const shown = Math.min(channels, MAX_PLOTTED_CHANNELS);
  const bandTop = GAP + shown * (LANE + GAP);
  const height = bandTop + BAND + GAP;
  const img: RawImage = { width, height, channels: 3, data: new Uint8Array(width * height * 3) };
  fill(img, 0, 0, width, height, BACKGROUND);
  // Sample i's centre, in pixels from the left edge.
  const xOf = (i: number) => ((i + 0.5) * width) / length;
  let peak = 0;
  for (let i = 1; i < length; i++) if (map[i] > map[peak]) peak = i;
  for (let ch = 0; ch < shown; ch++) {
    const top = GAP + ch * (LANE + GAP);
    fill(img, 0, top, width, LANE, LANE_BACKGROUND);
    fill(img, Math.min(width - 1, Math.floor(xOf(peak))), top, 1, LANE, PEAK);
    const values = signal.subarray(ch * length, (ch + 1) * length);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    // The lane less 3 px above and below; a constant channel is a line through the middle.
    const yOf = (v: number) => top + 3 + (hi > lo ? (1 - (v - lo) / (hi - lo)) * (LANE - 7) : (LANE - 7) / 2);
    if (length === 1) paint(img, Math.floor(xOf(0)), Math.round(yOf(values[0])), LINE);
    for (let i = 1; i < length; i++) segment(img, xOf(i - 1), yOf(values[i - 1]), xOf(i), yOf(values[i]), LINE);
  }
  const lut = colormapLut(o.colormap);
  for (let x = 0; x < width; x++) {
    const v = columnValue(map, x, width, o.signed);
    const shownValue = o.signed ? (v + 1) / 2 : v;
    const k = Math.round(Math.min(1, Math.max(0, shownValue)) * 255) * 3;
    fill(img, x, bandTop, 1, BAND, [lut[k], lut[k + 1], lut[k + 2]]);
  }
  return img;
}

/**
 * The map's value shown in column x: the sample under the column's centre when samples are wider than a pixel, else
 * the strongest of the samples the column covers (the largest, or the largest |value| when signed), so that a
 * narrow peak is not lost between columns.
 */
function columnValue(map: Float32Array, x: number, width: number, signed: boolean): number {
  const length = map.length;
  if (length <= width) return map[Math.min(length - 1, Math.floor(((x + 0.5) * length) / width))];
  const from = Math.floor((x * length) / width);
  const to = Math.max(from + 1, Math.floor(((x + 1) * length) / width));
  let best = map[from];
  for (let i = from + 1; i < to; i++) if (signed ? Math.abs(map[i]) > Math.abs(best) : map[i] > best) best = map[i];
  return best;
}

/** A straight line between two points (pixel coordinates), one pixel wide, every pixel it passes through painted. */
function segment(img: RawImage, x0: number, y0: number, x1: number, y1: number, rgb: readonly number[]): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
  for (let s = 0; s <= steps; s++) {
    const t = s / steps;
    paint(img, Math.floor(x0 + (x1 - x0) * t), Math.round(y0 + (y1 - y0) * t), rgb);
  }
}

function paint(img: RawImage, x: number, y: number, rgb: readonly number[]): void {
  if (x < 0 || y < 0 || x >= img.width || y >= img.height) return;
  img.data.set(rgb, (y * img.width + x) * 3);
}

function fill(img: RawImage, x: number, y: number, w: number, h: number, rgb: readonly number[]): void {
  for (let r = y; r < y + h; r++) for (let c = x; c < x + w; c++) paint(img, c, r, rgb);
}
