/**
 * Scene backgrounds in SVG: a plain fill (for exact tests), or a textured one (a linear gradient, sometimes stripes,
 * sometimes soft blotches) so the classifier has to find shapes, not just anything different from a flat colour.
 */
import { mutedColour, toHex, type Rgb } from './colour.js';
import type { Prng } from './prng.js';

export interface Background {
  svg: string;
  /** The colours it is made of: shapes are given colours far from all of them. */
  colours: Rgb[];
}

const r2 = (v: number) => Math.round(v * 100) / 100;

export function plainBackground(rng: Prng, size: number): Background {
  const c = mutedColour(rng);
  return { svg: `<rect width="${size}" height="${size}" fill="${toHex(c)}"/>`, colours: [c] };
}

export function texturedBackground(rng: Prng, size: number): Background {
  const a = mutedColour(rng);
  const b = mutedColour(rng);
  const colours = [a, b];
  // Gradient axis through the centre at a random angle, spanning the whole square.
  const angle = rng.range(0, 2 * Math.PI);
  const h = size / 2;
  const dx = Math.cos(angle) * h;
  const dy = Math.sin(angle) * h;
  const parts = [
    `<defs><linearGradient id="bg" gradientUnits="userSpaceOnUse" x1="${r2(h - dx)}" y1="${r2(h - dy)}" x2="${r2(h + dx)}" ` +
      `y2="${r2(h + dy)}"><stop offset="0" stop-color="${toHex(a)}"/><stop offset="1" stop-color="${toHex(b)}"/></linearGradient></defs>`,
    `<rect width="${size}" height="${size}" fill="url(#bg)"/>`,
  ];
  if (rng.chance(0.5)) parts.push(stripes(rng, size, colours));
  if (rng.chance(0.5)) parts.push(blotches(rng, size, colours));
  return { svg: parts.join(''), colours };
}

/** Parallel translucent bands at a random angle; drawn over a square twice the image so rotation leaves no gap. */
function stripes(rng: Prng, size: number, colours: Rgb[]): string {
  const c = mutedColour(rng);
  colours.push(c);
  const period = rng.range(5, 14);
  const width = r2(period * rng.range(0.3, 0.6));
  const opacity = r2(rng.range(0.12, 0.3));
  const deg = r2(rng.range(0, 180));
  const bands: string[] = [];
  for (let x = -size / 2; x < 1.5 * size; x += period)
    bands.push(`<rect x="${r2(x)}" y="${-size / 2}" width="${width}" height="${2 * size}"/>`);
  return `<g fill="${toHex(c)}" fill-opacity="${opacity}" transform="rotate(${deg} ${size / 2} ${size / 2})">${bands.join('')}</g>`;
}

/** A few large, faint discs: low-frequency blobs that are not circles of the circle class (too big, too faint). */
function blotches(rng: Prng, size: number, colours: Rgb[]): string {
  const n = rng.int(3, 7);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = mutedColour(rng);
    colours.push(c);
    const cx = r2(rng.range(0, size));
    const cy = r2(rng.range(0, size));
    const r = r2(rng.range(0.08, 0.3) * size);
    out.push(`<circle cx="${cx}" cy="${cy}" r="${r}" fill="${toHex(c)}" fill-opacity="${r2(rng.range(0.08, 0.25))}"/>`);
  }
  return out.join('');
}
