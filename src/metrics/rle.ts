/**
 * COCO's uncompressed run-length encoding of a mask, { counts: [r0, r1, …], size: [h, w] }: the pixels taken in
 * column-major order (down the first column, then the next), runs alternating between 0 and 1 starting with 0 (so r0
 * may be 0), the runs summing to h·w. The compressed form (counts as a string, what pycocotools' mask.encode and
 * detection results give) packs the same runs as characters: each run is a signed number in 5-bit groups, least
 * significant first, a group stored as the character 48 + g where bit 0x20 says another group follows and, in the
 * last group, bit 0x10 is the sign; from the fourth run on, a run is stored as its difference to the run two before.
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
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => Number.isInteger(v) && v > 0))
    throw new InvalidInputError(`${what}: an RLE needs "size": [height, width], two positive integers.`);
  const runs = typeof counts === 'string' ? compressedRuns(counts, what) : counts;
  if (!Array.isArray(runs) || !runs.every((v) => Number.isInteger(v) && v >= 0))
    throw new InvalidInputError(
      `${what}: an RLE needs "counts", a list of non-negative integer run lengths (or COCO's compressed string).`,
    );
  const [height, width] = size as [number, number];
  const total = (runs as number[]).reduce((a, b) => a + b, 0);
  if (total !== height * width)
    throw new InvalidInputError(
      `${what}: the RLE's counts sum to ${total}, but its size [${height}, ${width}] has ${height * width} pixels.`,
    );
  const mask = new Uint8Array(width * height);
  let k = 0;
  (runs as number[]).forEach((run, r) => {
    if (r % 2 === 1) for (let q = k; q < k + run; q++) mask[(q % height) * width + Math.floor(q / height)] = 1;
    k += run;
  });
  return { mask, width, height };
}

/** The run lengths of a compressed RLE string (see the file comment); a typed error for a string that is not one. */
function compressedRuns(text: string, what: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let shift = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new InvalidInputError(`${what}: the compressed RLE string ends inside a run; is it cut short?`);
      const g = text.charCodeAt(p++) - 48;
      if (g < 0 || g > 63) throw new InvalidInputError(`${what}: '${text[p - 1]}' cannot appear in a compressed RLE string.`);
      x += (g & 0x1f) * 2 ** shift;
      shift += 5;
      more = (g & 0x20) !== 0;
      if (!more && g & 0x10) x -= 2 ** shift;
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}
