/** Figure marks (src/image/annotate.ts): a seg target's mask outlined, a detection target's box drawn. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawBox, outlineMask } from '../src/image/annotate.js';
import type { RawImage } from '../src/image/raw.js';

const black = (w: number, h: number): RawImage => ({ width: w, height: h, channels: 3, data: new Uint8Array(w * h * 3) });
const painted = (img: RawImage) =>
  Array.from({ length: img.width * img.height }, (_, p) => (img.data[p * 3] === 255 ? 1 : 0)).join('');

describe('figure marks', () => {
  it('outlines a mask: its border pixels, not its inside nor the outside', () => {
    const mask = new Uint8Array(25);
    for (const p of [6, 7, 8, 11, 12, 13, 16, 17, 18]) mask[p] = 1;
    const img = black(5, 5);
    assert.equal(painted(outlineMask(img, mask)), '00000' + '01110' + '01010' + '01110' + '00000');
    assert.equal(painted(img), '0'.repeat(25), 'the image given is not changed');
  });

  it('a mask touching the image edge is outlined along the edge', () => {
    const mask = new Uint8Array(9).fill(1);
    assert.equal(painted(outlineMask(black(3, 3), mask)), '111101111');
  });

  it('draws a box one pixel wide, clipped at the image', () => {
    assert.equal(painted(drawBox(black(5, 4), [1, 1, 3, 5], 1)), '00000' + '01110' + '01010' + '01010');
  });
});
