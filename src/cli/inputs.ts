/** Reading what the command line names: images and .npy tensors to explain, and text files such as --labels. */
import { existsSync, readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { GcamError, ImageReadError, parseNpy, readImage, type ImageSource } from '../node.js';
import type { RawImage } from '../image/raw.js';
import { UsageError } from './args.js';

export interface LoadedInputs {
  inputs: ImageSource[];
  /** The decoded photo of each input, to draw its overlay on; undefined for tensors. */
  photos: (RawImage | undefined)[];
  /** Paths that could not be read (already reported on stderr). */
  failed: string[];
}

/**
 * Reads every path; one that cannot be read is reported and skipped so the others are still explained. A batched
 * .npy [N,C,H,W] becomes N inputs named 'x.npy[i]'.
 */
export async function loadInputs(paths: string[]): Promise<LoadedInputs> {
  const inputs: ImageSource[] = [];
  const photos: (RawImage | undefined)[] = [];
  const failed: string[] = [];
  for (const path of paths) {
    try {
      if (extname(path).toLowerCase() === '.npy') {
        if (!existsSync(path)) throw new ImageReadError(`Input '${path}' does not exist.`);
        const arr = parseNpy(readFileSync(path), `'${path}'`);
        if (arr.dims.length !== 3 && arr.dims.length !== 4)
          throw new ImageReadError(`'${path}' is [${arr.dims}]: expected [N,C,H,W] or [C,H,W].`);
        const [n, ...chw] = arr.dims.length === 4 ? arr.dims : [1, ...arr.dims];
        const per = chw.reduce((a, b) => a * b, 1);
        for (let i = 0; i < n; i++) {
          inputs.push({ tensor: arr.data.subarray(i * per, (i + 1) * per), dims: chw, name: n > 1 ? `${path}[${i}]` : path });
          photos.push(undefined);
        }
      } else {
        const img = { ...(await readImage(path)), name: path };
        inputs.push(img);
        photos.push(img);
      }
    } catch (e) {
      if (!(e instanceof GcamError)) throw e;
      failed.push(path);
      console.error(`gcam: skipped ${path}: ${e.message}`);
    }
  }
  return { inputs, photos, failed };
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}
