/**
 * Colormaps as 256-entry RGB lookup tables. Jet follows the classic piecewise-linear definition (as MATLAB/OpenCV);
 * turbo, viridis and inferno come from d3-scale-chromatic; gray is the identity.
 */
import { interpolateInferno, interpolateTurbo, interpolateViridis } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';
import { InvalidInputError } from '../errors.js';

export const COLORMAPS = ['jet', 'turbo', 'viridis', 'inferno', 'gray'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** Jet: blue → cyan → yellow → red; each channel is a trapezoid 1.5 − |4t − k| (k = 3, 2, 1 for R, G, B). */
function jet(t: number): [number, number, number] {
  return [clamp01(1.5 - Math.abs(4 * t - 3)), clamp01(1.5 - Math.abs(4 * t - 2)), clamp01(1.5 - Math.abs(4 * t - 1))];
}

function fromD3(f: (t: number) => string): (t: number) => [number, number, number] {
  return (t) => {
    const c = rgb(f(t));
    return [c.r / 255, c.g / 255, c.b / 255];
  };
}

const SOURCES: Record<ColormapName, (t: number) => [number, number, number]> = {
  jet,
  turbo: fromD3(interpolateTurbo),
  viridis: fromD3(interpolateViridis),
  inferno: fromD3(interpolateInferno),
  gray: (t) => [t, t, t],
};

const cache = new Map<ColormapName, Uint8Array>();

/** 256×3 bytes: entry i is the colour of value i/255. */
export function colormapLut(name: string): Uint8Array {
  if (!(COLORMAPS as readonly string[]).includes(name))
    throw new InvalidInputError(`Unknown colormap '${name}'; choose one of ${COLORMAPS.join(', ')}.`);
  const key = name as ColormapName;
  let lut = cache.get(key);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const c = SOURCES[key](i / 255);
      for (let k = 0; k < 3; k++) lut[i * 3 + k] = Math.round(c[k] * 255);
    }
    cache.set(key, lut);
  }
  return lut;
}
