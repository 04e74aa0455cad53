/**
 * COCO's uncompressed run-length encoding of a mask, { counts: [r0, r1, …], size: [h, w] }: the pixels taken in
 * column-major order (down the first column, then the next), runs alternating between 0 and 1 starting with 0 (so r0
 * may be 0), the runs summing to h·w. The compressed form (counts as a string) is pycocotools' own encoding, not read
 * here.
 */
import { InvalidInputError } from '../errors.js';

export interface PixelMask {
  /** [height, width] row-major, 1 inside. */
  mask: Uint8Array;
  width: number;
  height: number;
}

/** The mask of an uncompressed RLE; a typed error naming `what` for anything else. */
export function decodeRle(rle: unknown, what: string): PixelMask {
  const { counts, size } = (typeof rle === 'object' && rle !== null ? rle : {}) as { counts?: unknown; size?: unknown };
  if (typeof counts === 'string')
    throw new InvalidInputError(
      `${what} is a compressed RLE (counts as a string), which gcam does not read: ` +
        'give uncompressed counts (pycocotools: mask.decode, then a list of run lengths) or polygons.',
    );
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0))
    throw new InvalidInputError(`${what}: an RLE needs "size": [height, width], two positive integers.`);
  if (!Array.isArray(counts) || !counts.every((v) => Number.isInteger(v) && v >= 0))
    throw new InvalidInputError(`${what}: an RLE needs "counts", a list of non-negative integer run lengths.`);
  const [height, width] = size as [number, number];
  const total = (counts as number[]).reduce((a, b) => a + b, 0);
  if (total !== height * width)
    throw new InvalidInputError(
      `${what}: the RLE's counts sum to ${total}, but its size [${height}, ${width}] has ${height * width} pixels.`,
    );
  const mask = new Uint8Array(width * height);
  let k = 0;
  (counts as number[]).forEach((run, r) => {
    if (r % 2 === 1) for (let q = k; q < k + run; q++) mask[(q % height) * width + Math.floor(q / height)] = 1;
    k += run;
  });
  return { mask, width, height };
}
