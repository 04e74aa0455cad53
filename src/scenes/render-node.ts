/**
 * Scenes to pixels in Node: sharp (librsvg) rasterises the SVG, then seeded Gaussian noise is added per pixel and
 * channel in JS, so the same seed gives byte-identical images. The only platform code of src/scenes.
 */
import sharp from 'sharp';
import type { RawImage } from '../image/raw.js';
import { Prng } from './prng.js';
import { generateScene, type Scene, type SceneOptions } from './scene.js';

export interface RenderOptions {
  /** Standard deviation of the pixel noise in 8-bit levels (default 6); 0 for none. */
  noise?: number;
}

/** The noise draws its own stream from the scene seed: it does not depend on how many numbers the SVG used. */
const NOISE_STREAM = 1;

/** Pixel noise of the training data and of the built-in model's tests, in 8-bit levels. */
export const DEFAULT_NOISE = 6;

export async function renderScene(scene: Scene, options: RenderOptions = {}): Promise<RawImage> {
  const { data, info } = await sharp(Buffer.from(scene.svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.width !== scene.width || info.height !== scene.height || info.channels !== 3)
    throw new Error(
      `Scene ${scene.seed} rendered as ${info.width}×${info.height}×${info.channels}, expected ${scene.width}×${scene.height}×3.`,
    );
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  const sigma = options.noise ?? DEFAULT_NOISE;
  if (sigma > 0) {
    const rng = new Prng(scene.seed, NOISE_STREAM);
    for (let i = 0; i < pixels.length; i++)
      pixels[i] = Math.min(255, Math.max(0, Math.round(pixels[i] + sigma * rng.quickNormal())));
  }
  return { width: info.width, height: info.height, channels: 3, data: pixels, name: `scene-${scene.seed}` };
}

/** Generates and renders in one call. */
export async function renderSeed(
  seed: number,
  options: SceneOptions & RenderOptions = {},
): Promise<{ scene: Scene; image: RawImage }> {
  const scene = generateScene(seed, options);
  return { scene, image: await renderScene(scene, options) };
}

/** A scene as PNG bytes (for looking at it, docs and demos). */
export async function renderScenePng(scene: Scene, options: RenderOptions = {}): Promise<Buffer> {
  const img = await renderScene(scene, options);
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}
