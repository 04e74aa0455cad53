/** The bytes of each file a run writes, made in memory before anything is written (commit.ts writes them). */
import { encodeNpy, type ExplainResult } from '../../node.js';
import { encodeImage } from '../../image/io-node.js';
import type { OutputFile } from './commit.js';
import type { RenderedImage } from './render.js';

/** Each image in the format its path's extension names. */
export async function imageFiles(images: readonly RenderedImage[], paths: readonly string[]): Promise<OutputFile[]> {
  const files: OutputFile[] = [];
  for (const [i, img] of images.entries())
    files.push({ flag: 'out', path: paths[i], bytes: await encodeImage(img.image, paths[i]) });
  return files;
}

/** --save-cam: the maps at the model input's resolution, stacked as float32 [N, H, W] in result order. */
export function mapStackFile(path: string, results: readonly ExplainResult[]): OutputFile {
  const r0 = results[0];
  const data = new Float32Array(results.length * r0.inputWidth * r0.inputHeight);
  results.forEach((r, i) => data.set(r.inputMap, i * r.inputMap.length));
  return { flag: 'save-cam', path, bytes: encodeNpy(data, [results.length, r0.inputHeight, r0.inputWidth]) };
}

export function jsonFile(path: string, value: unknown): OutputFile {
  return { flag: 'json', path, bytes: JSON.stringify(value, null, 2) + '\n' };
}
