/**
 * The 3-D pointing game (Zhang et al. 2016, sec. 4.1, in volumes), measured on every commit: fresh two-solid volumes
 * (seeds never used in training), both classes explained with the built-in 3-D model at its default layer; the map's
 * peak voxel must fall in the explained solid (its mask dilated by 1 voxel, its 26 neighbours) in ≥ 90% of cases and
 * in the other solid in ≤ 5%. The peak and mask helpers are checked on hand-made volumes first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inMask, MASK_TOLERANCE, peakOf3d } from '../src/eval/pointing-game.js';
import { pointingGame3d } from '../src/eval/solids-eval.js';

describe('3-D pointing-game helpers', () => {
  it('peakOf3d: the first maximum in row-major order, as [z, y, x]', () => {
    const map = new Float32Array(2 * 3 * 4);
    map[1 * 12 + 2 * 4 + 3] = 5;
    map[1 * 12 + 0 * 4 + 1] = 2;
    assert.deepEqual(peakOf3d(map, [2, 3, 4]), [1, 2, 3]);
    map[0 * 12 + 1 * 4 + 0] = 5;
    assert.deepEqual(peakOf3d(map, [2, 3, 4]), [0, 1, 0], 'ties: the first in row-major order');
  });

  it('inMask: the voxel itself, or within the tolerance along every axis (the 26 neighbours for 1)', () => {
    const dims = [5, 5, 5];
    const mask = new Uint8Array(125);
    mask[(2 * 5 + 2) * 5 + 2] = 1;
    assert.ok(inMask([2, 2, 2], mask, dims));
    assert.ok(!inMask([3, 2, 2], mask, dims));
    assert.ok(inMask([3, 3, 3], mask, dims, 1), 'a corner neighbour');
    assert.ok(!inMask([4, 2, 2], mask, dims, 1));
    assert.ok(inMask([4, 0, 4], mask, dims, 2));
    assert.ok(!inMask([0, 0, 0], new Uint8Array(125), dims, 4));
  });
});

describe('Grad-CAM 3-D pointing game on 100 fresh two-solid volumes (built-in 3-D model)', () => {
  it('peak in the explained solid ≥ 90%, in the other solid ≤ 5% (masks dilated by 1 voxel)', async () => {
    assert.equal(MASK_TOLERANCE, 1);
    const r = await pointingGame3d(100);
    assert.equal(r.count, 200);
    assert.ok(r.hits / r.count >= 0.9, `hits ${r.hits}/${r.count}`);
    assert.ok(r.onOther / r.count <= 0.05, `in the other solid ${r.onOther}/${r.count}`);
  });
});
