/**
 * The procedural volume generator (src/scenes/volume-scene.ts, solids.ts): determinism, each solid's mask against an
 * inside test written here from the solid's definition and against its analytic volume, the drawn intensities,
 * placement (inside the volume, solids apart), uniform rotations and class balance.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateVolumeScene, randomRotation, SOLID_LABELS, volumeMultiHot } from '../src/scenes/volume-scene.js';
import type { VolumeObject } from '../src/scenes/volume-scene.js';
import { makeSolid } from '../src/scenes/solids.js';
import { Prng } from '../src/scenes/prng.js';
import { twoSolidScene } from '../src/eval/two-solids.js';

const N = 32;
const SEEDS = Array.from({ length: 200 }, (_, i) => 9000 + i);
const lerp = (lo: number, hi: number, t: number) => lo + (hi - lo) * t;

/** Whether point x lies in the solid, from its definition (not its distance function): local p = Rᵀ (x − c). */
function inside(o: VolumeObject, x: readonly number[]): boolean {
  const { centre, rotation: R, size: s, variant } = o.solid;
  const d = x.map((v, i) => v - centre[i]);
  const p = [0, 1, 2].map((c) => R[c] * d[0] + R[3 + c] * d[1] + R[6 + c] * d[2]);
  const rho = Math.hypot(p[0], p[1]);
  switch (o.label) {
    case 'sphere':
      return Math.hypot(...p) <= s / 2;
    case 'cube':
      return Math.max(...p.map(Math.abs)) <= 0.4 * s;
    case 'rod':
      return rho <= s * lerp(0.22, 0.27, variant) && Math.abs(p[2]) <= s / 2;
    case 'disc':
      return rho <= s / 2 && Math.abs(p[2]) <= s * lerp(0.15, 0.2, variant);
  }
}

/** The solid's volume in voxels³, from its dimensions. */
function analyticVolume(o: VolumeObject): number {
  const { size: s, variant } = o.solid;
  switch (o.label) {
    case 'sphere':
      return (Math.PI / 6) * s ** 3;
    case 'cube':
      return (0.8 * s) ** 3;
    case 'rod':
      return Math.PI * (s * lerp(0.22, 0.27, variant)) ** 2 * s;
    case 'disc':
      return Math.PI * (s / 2) ** 2 * 2 * s * lerp(0.15, 0.2, variant);
  }
}

const voxelsOf = (mask: Uint8Array) => {
  const out: number[][] = [];
  mask.forEach((m, i) => {
    if (m) out.push([Math.floor(i / (N * N)), Math.floor(i / N) % N, i % N]);
  });
  return out;
};

describe('volume scenes', () => {
  it('the same seed gives the same voxels and masks; other seeds and forced classes differ', () => {
    const a = generateVolumeScene(42);
    const b = generateVolumeScene(42);
    assert.deepEqual(a.data, b.data);
    assert.deepEqual(
      a.objects.map((o) => o.mask),
      b.objects.map((o) => o.mask),
    );
    assert.notDeepEqual(generateVolumeScene(43).data, a.data);
    const forced = generateVolumeScene(42, { classes: [3, 1] });
    assert.deepEqual(
      forced.objects.map((o) => o.label),
      ['disc', 'cube'],
    );
    assert.deepEqual(volumeMultiHot(forced), [0, 1, 0, 1]);
    assert.deepEqual(a.dims, [N, N, N]);
    assert.equal(a.data.length, N ** 3);
  });

  it("each mask is exactly the voxels whose centre lies inside the solid, and its size matches the solid's volume", () => {
    for (const seed of SEEDS.slice(0, 60)) {
      for (const o of generateVolumeScene(seed).objects) {
        let disagree = 0;
        for (let i = 0; i < N ** 3; i++) {
          const x = [Math.floor(i / (N * N)), Math.floor(i / N) % N, i % N];
          if (inside(o, x) !== (o.mask[i] === 1)) disagree++;
        }
        // Voxel centres a rounding error from the surface may fall either way.
        assert.ok(disagree <= 2, `seed ${seed} ${o.label}: ${disagree} voxels disagree`);
        const want = analyticVolume(o);
        assert.ok(Math.abs(o.voxels - want) <= 0.15 * want + 12, `seed ${seed} ${o.label}: ${o.voxels} voxels, volume ${want}`);
        assert.equal(
          o.voxels,
          o.mask.reduce((a, m) => a + m, 0),
        );
      }
    }
  });

  it('the box of a rotated solid holds it and is tight: points inside, sampled every 1/4 voxel, reach each face', () => {
    const h = 0.25;
    for (const seed of SEEDS.slice(0, 12))
      for (const o of generateVolumeScene(seed).objects) {
        const { halfExtent: e } = makeSolid(o.solid);
        const c = o.solid.centre;
        const lo = [Infinity, Infinity, Infinity];
        const hi = [-Infinity, -Infinity, -Infinity];
        // A grid a little larger than the box: nothing inside may lie beyond it.
        for (let z = c[0] - e[0] - 1; z <= c[0] + e[0] + 1; z += h)
          for (let y = c[1] - e[1] - 1; y <= c[1] + e[1] + 1; y += h)
            for (let x = c[2] - e[2] - 1; x <= c[2] + e[2] + 1; x += h)
              if (inside(o, [z, y, x]))
                [z, y, x].forEach((v, a) => {
                  lo[a] = Math.min(lo[a], v);
                  hi[a] = Math.max(hi[a], v);
                });
        for (let a = 0; a < 3; a++) {
          const where = `seed ${seed} ${o.label} axis ${a}: [${lo[a]}, ${hi[a]}] in ${c[a]} ± ${e[a]}`;
          assert.ok(lo[a] >= c[a] - e[a] - 1e-9 && hi[a] <= c[a] + e[a] + 1e-9, where);
          // Corners and rims are points and edges: the grid comes within a step or so of them.
          assert.ok(lo[a] <= c[a] - e[a] + 2 * h && hi[a] >= c[a] + e[a] - 2 * h, `${where}: not tight`);
        }
      }
  });

  it('solids stay off the border and at least 4 voxels apart (so masks dilated by 1 never meet)', () => {
    let pairs = 0;
    for (const seed of SEEDS) {
      const sc = generateVolumeScene(seed, { minObjects: 2 });
      const [a, b] = sc.objects.map((o) => voxelsOf(o.mask));
      for (const v of [...a, ...b])
        assert.ok(
          v.every((x) => x >= 1 && x <= N - 2),
          `seed ${seed}: voxel ${v} on the border`,
        );
      let closest = Infinity;
      for (const p of a) for (const q of b) closest = Math.min(closest, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
      assert.ok(closest >= 4, `seed ${seed}: solids ${closest} voxels apart`);
      pairs++;
    }
    assert.equal(pairs, SEEDS.length);
  });

  it('a solid stands its contrast above the background around it; values are 8-bit', () => {
    for (const seed of SEEDS.slice(0, 40)) {
      const sc = generateVolumeScene(seed, { maxObjects: 1 });
      const o = sc.objects[0];
      // Voxels well inside (the mask eroded by 1) against the shell 2–3 voxels outside (same slowly varying background).
      const solid = makeSolid(o.solid);
      let inSum = 0;
      let inN = 0;
      let outSum = 0;
      let outN = 0;
      for (let i = 0; i < N ** 3; i++) {
        const d = solid.distance([Math.floor(i / (N * N)), Math.floor(i / N) % N, i % N]);
        if (d <= -1) {
          inSum += sc.data[i];
          inN++;
        } else if (d >= 2 && d <= 3) {
          outSum += sc.data[i];
          outN++;
        }
      }
      if (inN < 10) continue;
      const step = inSum / inN - outSum / outN;
      assert.ok(Math.abs(step - o.contrast) < 8, `seed ${seed}: step ${step.toFixed(1)}, contrast ${o.contrast.toFixed(1)}`);
    }
  });

  it('one or two solids, classes and counts balanced; twoSolidScene gives two different classes', () => {
    const classes = [0, 0, 0, 0];
    const counts = [0, 0, 0];
    const n = 2000;
    for (let s = 0; s < n; s++) {
      const sc = generateVolumeScene(100_000 + s);
      counts[sc.objects.length]++;
      for (const o of sc.objects) classes[o.classIndex]++;
    }
    assert.equal(counts[0], 0);
    assert.ok(Math.abs(counts[1] / n - 0.5) < 0.04, `counts ${counts}`);
    const total = classes.reduce((a, b) => a + b, 0);
    for (const c of classes) assert.ok(Math.abs(c / total - 0.25) < 0.03, `classes ${classes}`);
    const pairs = new Set<string>();
    for (let s = 0; s < 200; s++) {
      const sc = twoSolidScene(s);
      assert.equal(sc.objects.length, 2);
      assert.notEqual(sc.objects[0].classIndex, sc.objects[1].classIndex);
      pairs.add(sc.objects.map((o) => o.label).join('+'));
    }
    assert.equal(pairs.size, SOLID_LABELS.length * (SOLID_LABELS.length - 1), [...pairs].join());
  });

  it('rotations are proper and uniform: RᵀR = I, det R = 1, each entry mean 0 and mean square 1/3', () => {
    const rng = new Prng(5);
    const n = 20000;
    const sum = new Array<number>(9).fill(0);
    const sq = new Array<number>(9).fill(0);
    for (let t = 0; t < n; t++) {
      const R = randomRotation(rng);
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) {
          const dot = R[i] * R[j] + R[3 + i] * R[3 + j] + R[6 + i] * R[6 + j];
          assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
        }
      const det = R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6]) + R[2] * (R[3] * R[7] - R[4] * R[6]);
      assert.ok(Math.abs(det - 1) < 1e-12);
      R.forEach((r, k) => {
        sum[k] += r;
        sq[k] += r * r;
      });
    }
    // Haar measure on SO(3): each entry is distributed like a coordinate of a uniform unit vector.
    for (let k = 0; k < 9; k++) {
      assert.ok(Math.abs(sum[k] / n) < 0.015, `entry ${k} mean ${sum[k] / n}`);
      assert.ok(Math.abs(sq[k] / n - 1 / 3) < 0.01, `entry ${k} mean square ${sq[k] / n}`);
    }
  });

  it('refuses bad options by name', () => {
    assert.throws(() => generateVolumeScene(1, { size: 8 }), /Volume size must be an integer ≥ 16/);
    assert.throws(() => generateVolumeScene(1, { classes: [4] }), /Class 4 does not exist \(0–3\)/);
    assert.throws(() => generateVolumeScene(1, { minObjects: 2, maxObjects: 1 }), /0 ≤ minObjects ≤ maxObjects/);
  });
});
