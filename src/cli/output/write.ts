/**
 * Writing the outputs. Every file goes through a temporary file and a rename (writeFileAtomic), so a failure never
 * leaves a partial file, and destinations are checked before anything is written.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { encodeNpy, writeFileAtomic, writeImage, type ExplainResult } from '../../node.js';
import { UsageError } from '../args.js';
import type { RenderedImage } from './render.js';

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** Refuses a file destination whose folder is missing, so a run never writes some outputs and then fails on this one. */
export function checkFolderExists(flag: string, path: string | undefined): void {
  if (path && !existsSync(dirname(resolve(path))))
    throw new UsageError(`--${flag} ${path}: folder ${dirname(path)} does not exist.`);
}

/** --out: a folder (default gcam-out) for any number of images, or an image file for exactly one. Returns the paths. */
export async function writeImages(files: RenderedImage[], out: string | undefined): Promise<string[]> {
  if (!out || !IMAGE_EXT.has(extname(out).toLowerCase())) return writeImagesInto(out ?? 'gcam-out', files);
  if (files.length !== 1)
    throw new UsageError(
      `--out ${out} names one file but there are ${files.length} outputs; pass a folder instead (or --figure with one image).`,
    );
  await writeImage(files[0].image, out);
  return [out];
}

/** Writes each image under its name into dir (created when missing). Returns the paths. */
export async function writeImagesInto(dir: string, files: RenderedImage[]): Promise<string[]> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--out ${dir} exists and is not a folder.`);
  mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (const f of files) {
    const path = join(dir, f.name);
    await writeImage(f.image, path);
    paths.push(path);
  }
  return paths;
}

/** --save-cam: the maps at the model input's resolution, stacked as float32 [N, H, W] in result order. */
export function writeMapStack(path: string, results: ExplainResult[]): void {
  const r0 = results[0];
  const data = new Float32Array(results.length * r0.inputWidth * r0.inputHeight);
  results.forEach((r, i) => data.set(r.inputMap, i * r.inputMap.length));
  writeFileAtomic(path, encodeNpy(data, [results.length, r0.inputHeight, r0.inputWidth]));
}

export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
