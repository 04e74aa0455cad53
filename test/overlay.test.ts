/** The overlay's blend, (1 − α)·image + α·heatmap rounded to 8 bits, against values computed by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlay } from '../src/image/overlay.js';

const heat = { width: 2, height: 1, channels: 3, data: Uint8Array.from([255, 0, 10, 0, 128, 200]) };

test('RGB: round(0.7·v + 0.3·h) per channel', () => {
  const image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([100, 200, 50, 0, 255, 1]) };
  // 0.7·100 + 0.3·255 = 146.5 → 147; 0.7·200 = 140; 0.7·50 + 3 = 38; 0; 0.7·255 + 0.3·128 = 216.9 → 217; 0.7 + 60 = 60.7 → 61
  assert.deepEqual([...overlay(image, heat, 0.3).data], [147, 140, 38, 0, 217, 61]);
});

test('gray and RGBA images: the gray value for all three channels, the alpha channel ignored', () => {
  const gray = { width: 2, height: 1, channels: 1, data: Uint8Array.from([100, 10]) };
  // α = 0.5: (100 + 255)/2 = 177.5 → 178, 50, 55; (10 + 0)/2 = 5, 69, 105
  assert.deepEqual([...overlay(gray, heat, 0.5).data], [178, 50, 55, 5, 69, 105]);
  const rgba = { width: 2, height: 1, channels: 4, data: Uint8Array.from([100, 100, 100, 0, 10, 10, 10, 255]) };
  assert.deepEqual([...overlay(rgba, heat, 0.5).data], [178, 50, 55, 5, 69, 105]);
});

test('alpha 0 keeps the image, alpha 1 gives the heatmap', () => {
  const image = { width: 2, height: 1, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual([...overlay(image, heat, 0).data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...overlay(image, heat, 1).data], [...heat.data]);
});
