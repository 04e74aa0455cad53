/**
 * Class-discriminative localisation, the main claim of Grad-CAM, measured on every commit: fresh two-shape scenes,
 * both classes explained with the built-in model at its default layer; the map's peak must fall on the explained
 * shape in ≥ 95% of cases and on the other shape in ≤ 5%.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inBox, peakOf } from '../src/eval/pointing-game.js';
import { pointingGame } from '../src/eval/shapes-eval.js';

describe('pointing game helpers', () => {
  it('peak: first maximum in row-major order; box test on pixel centres, edges inclusive', () => {
    assert.deepEqual(peakOf([0, 3, 1, 3, 2, 0], 3), [1, 0]);
    assert.ok(inBox([10, 20], [10, 20, 12, 22]));
    assert.ok(!inBox([12, 20], [10, 20, 12, 22]), 'pixel 12 has its centre at 12.5, outside x1 = 12');
  });
});

describe('Grad-CAM pointing game on 200 fresh two-shape scenes (built-in model)', () => {
  it('peak on the explained shape ≥ 95%, on the other shape ≤ 5%', async () => {
    const r = await pointingGame(200);
    assert.equal(r.count, 400);
    assert.ok(r.hits / r.count >= 0.95, `hits ${r.hits}/${r.count}`);
    assert.ok(r.onOther / r.count <= 0.05, `on the other shape ${r.onOther}/${r.count}`);
  });
});
