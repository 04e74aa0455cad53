/**
 * The procedural scene generator (src/scenes): determinism, exact boxes (checked against rendered pixels), forced
 * classes, no overlaps, class balance, and the seeded PRNG and pixel noise it rests on.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../src/scenes/prng.js';
import { generateScene, multiHot, SHAPE_LABELS, type Scene, type SceneObject } from '../src/scenes/scene.js';
import { renderScene, renderSeed } from '../src/scenes/render-node.js';
import { averagePrecision, meanAveragePrecision } from '../src/scenes/average-precision.js';
import type { RawImage } from '../src/image/raw.js';

const SEEDS = Array.from({ length: 300 }, (_, i) => 5000 + i);

describe('Prng', () => {
  it('repeats for a seed, differs between seeds and between streams', () => {
    const draw = (seed: number, stream?: number) => {
      const r = new Prng(seed, stream);
      return Array.from({ length: 8 }, () => r.u32());
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    assert.notDeepEqual(draw(7), draw(7, 1));
    assert.notDeepEqual(draw(2 ** 40), draw(0), 'seeds above 2^32 are not folded onto small ones');
  });

  it('is uniform enough: mean, range and bit balance', () => {
    const r = new Prng(123);
    let sum = 0;
    let lo = 1;
    let hi = 0;
    const ones = new Array<number>(32).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = r.u32();
      for (let b = 0; b < 32; b++) ones[b] += (u >>> b) & 1;
      const f = u / 2 ** 32;
      sum += f;
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
    }
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `mean ${sum / n}`);
    assert.ok(lo >= 0 && lo < 0.001 && hi < 1 && hi > 0.999, `range ${lo}..${hi}`);
    for (const c of ones) assert.ok(Math.abs(c / n - 0.5) < 0.02, `bit frequency ${c / n}`);
  });

  it('int() covers both ends; quickNormal() has mean 0 and variance 1', () => {
    const r = new Prng(9);
    const seen = new Set(Array.from({ length: 500 }, () => r.int(2, 5)));
    assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
    let s = 0;
    let s2 = 0;
    const n = 50000;
    for (let i = 0; i < n; i++) {
      const z = r.quickNormal();
      s += z;
      s2 += z * z;
    }
    assert.ok(Math.abs(s / n) < 0.02, `mean ${s / n}`);
    assert.ok(Math.abs(s2 / n - 1) < 0.03, `variance ${s2 / n}`);
  });
});

describe('generateScene', () => {
  it('is deterministic: same seed, same SVG, objects and pixels; another seed differs', async () => {
    const a = await renderSeed(42);
    const b = await renderSeed(42);
    assert.equal(a.scene.svg, b.scene.svg);
    assert.deepEqual(a.scene.objects, b.scene.objects);
    assert.equal(a.image.data.length, 128 * 128 * 3);
    assert.ok(Buffer.from(a.image.data).equals(Buffer.from(b.image.data)), 'same seed, different pixels');
    const c = await renderSeed(43);
    assert.notEqual(c.scene.svg, a.scene.svg);
    let differing = 0;
    for (let i = 0; i < a.image.data.length; i++) differing += a.image.data[i] !== c.image.data[i] ? 1 : 0;
    assert.ok(differing > a.image.data.length / 2, `only ${differing} values differ between seeds 42 and 43`);
  });

  it('keeps boxes inside the image and apart (≥ 4 px), with 1–3 objects', () => {
    const counts = new Set<number>();
    for (const seed of SEEDS) {
      const { objects } = generateScene(seed);
      counts.add(objects.length);
      for (const o of objects) {
        const [x0, y0, x1, y1] = o.box;
        assert.ok(x0 >= 2 && y0 >= 2 && x1 <= 126 && y1 <= 126, `seed ${seed}: box ${o.box} leaves the image margin`);
        const extent = Math.max(x1 - x0, y1 - y0);
        assert.ok(extent >= 10 && extent <= 44, `seed ${seed}: ${o.label} is ${extent} px across`);
      }
      for (let i = 0; i < objects.length; i++)
        for (let j = i + 1; j < objects.length; j++) {
          const [a, b] = [objects[i].box, objects[j].box];
          // Separated along x or along y by at least the gap.
          const apart = Math.max(b[0] - a[2], a[0] - b[2], b[1] - a[3], a[1] - b[3]);
          assert.ok(apart >= 4, `seed ${seed}: boxes ${a} and ${b} are ${apart} px apart`);
        }
    }
    assert.deepEqual([...counts].sort(), [1, 2, 3]);
  });

  it('draws every class, in roughly equal numbers, and labels them consistently', () => {
    const perClass = new Array<number>(SHAPE_LABELS.length).fill(0);
    let total = 0;
    for (const seed of SEEDS) {
      const scene = generateScene(seed);
      const hot = multiHot(scene);
      for (const o of scene.objects) {
        assert.equal(o.label, SHAPE_LABELS[o.classIndex]);
        assert.equal(hot[o.classIndex], 1);
        perClass[o.classIndex]++;
        total++;
      }
      assert.equal(
        hot.reduce((a, b) => a + b, 0),
        new Set(scene.objects.map((o) => o.classIndex)).size,
      );
    }
    for (const [k, n] of perClass.entries())
      assert.ok(n / total > 0.11 && n / total < 0.23, `${SHAPE_LABELS[k]}: ${n} of ${total} objects`);
  });

  it('draws exactly the forced classes', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const scene = generateScene(seed, { classes: [2, 5] });
      assert.deepEqual(
        scene.objects.map((o) => o.label),
        ['triangle', 'ring'],
      );
      assert.deepEqual(multiHot(scene), [0, 0, 1, 0, 0, 1]);
    }
    assert.deepEqual(
      generateScene(1, { classes: [4, 4, 0] }).objects.map((o) => o.classIndex),
      [4, 4, 0],
    );
    assert.throws(() => generateScene(1, { classes: [6] }), RangeError);
    assert.throws(() => generateScene(1, { minObjects: 3, maxObjects: 2 }), RangeError);
  });

  it('textured scenes carry clutter and a gradient; plain ones neither', () => {
    const textured = generateScene(77);
    assert.match(textured.svg, /linearGradient/);
    assert.match(textured.svg, /stroke=|<circle/);
    assert.equal(textured.background, undefined);
    const plain = generateScene(77, { plain: true });
    assert.doesNotMatch(plain.svg, /linearGradient|stroke=/);
    assert.ok(plain.background);
  });

  it('scales with the image size', async () => {
    const { scene, image } = await renderSeed(3, { size: 64 });
    assert.equal(image.width, 64);
    assert.equal(image.height, 64);
    for (const o of scene.objects) assert.ok(o.box[2] <= 63 && o.box[3] <= 63, `box ${o.box}`);
  });
});

/** How much of the object's colour a pixel holds: the projection of (pixel − background) on (colour − background). */
function coverage(img: RawImage, x: number, y: number, o: SceneObject, bg: readonly number[]): number {
  let num = 0;
  let den = 0;
  for (let c = 0; c < 3; c++) {
    const d = o.color[c] - bg[c];
    num += (img.data[(y * img.width + x) * 3 + c] - bg[c]) * d;
    den += d * d;
  }
  return num / den;
}

function differsFromBackground(img: RawImage, x: number, y: number, bg: readonly number[]): boolean {
  const i = (y * img.width + x) * 3;
  return Math.abs(img.data[i] - bg[0]) + Math.abs(img.data[i + 1] - bg[1]) + Math.abs(img.data[i + 2] - bg[2]) > 3;
}

async function plainScene(seed: number): Promise<{ scene: Scene; img: RawImage; bg: readonly number[] }> {
  const scene = generateScene(seed, { plain: true });
  const img = await renderScene(scene, { noise: 0 });
  return { scene, img, bg: scene.background! };
}

describe('boxes against rendered pixels (plain background, no noise)', () => {
  it('every non-background pixel lies inside some box (±1 px)', async () => {
    for (const seed of SEEDS.slice(0, 60)) {
      const { scene, img, bg } = await plainScene(seed);
      for (let y = 0; y < img.height; y++)
        for (let x = 0; x < img.width; x++) {
          if (!differsFromBackground(img, x, y, bg)) continue;
          const inside = scene.objects.some(
            (o) => x + 1 >= o.box[0] - 1 && x <= o.box[2] + 1 && y + 1 >= o.box[1] - 1 && y <= o.box[3] + 1,
          );
          assert.ok(inside, `seed ${seed}: pixel (${x}, ${y}) is drawn outside every box`);
        }
    }
  });

  it("each object's coloured pixels touch all four box edges within 1 px", async () => {
    for (const seed of SEEDS.slice(0, 60)) {
      const { scene, img, bg } = await plainScene(seed);
      for (const o of scene.objects) {
        const [x0, y0, x1, y1] = o.box;
        // Neighbours are ≥ 4 px away, so this window holds only this object.
        let minX = Infinity;
        let minY = Infinity;
        let maxX = -Infinity;
        let maxY = -Infinity;
        for (let y = Math.max(0, Math.floor(y0) - 2); y <= Math.min(img.height - 1, Math.ceil(y1) + 1); y++)
          for (let x = Math.max(0, Math.floor(x0) - 2); x <= Math.min(img.width - 1, Math.ceil(x1) + 1); x++)
            if (coverage(img, x, y, o, bg) > 0.1) {
              minX = Math.min(minX, x);
              maxX = Math.max(maxX, x);
              minY = Math.min(minY, y);
              maxY = Math.max(maxY, y);
            }
        // Pixel column x covers [x, x + 1): its left edge is near x0, its right edge (x + 1) near x1.
        const what = `seed ${seed} ${o.label} box ${o.box}: pixels x ${minX}..${maxX + 1}, y ${minY}..${maxY + 1}`;
        assert.ok(Math.abs(minX - x0) <= 1 && Math.abs(maxX + 1 - x1) <= 1, what);
        assert.ok(Math.abs(minY - y0) <= 1 && Math.abs(maxY + 1 - y1) <= 1, what);
      }
    }
  });

  it('shapes have their class geometry: rings are hollow, discs, squares and crosses solid at the centre', async () => {
    const seen = new Set<string>();
    for (const seed of SEEDS.slice(0, 60)) {
      const { scene, img, bg } = await plainScene(seed);
      for (const o of scene.objects) {
        const cx = Math.floor((o.box[0] + o.box[2]) / 2);
        const cy = Math.floor((o.box[1] + o.box[3]) / 2);
        const centre = coverage(img, cx, cy, o, bg);
        if (o.label === 'ring') assert.ok(centre < 0.05, `seed ${seed}: ring centre coverage ${centre}`);
        if (['circle', 'square', 'cross'].includes(o.label))
          assert.ok(centre > 0.95, `seed ${seed}: ${o.label} centre ${centre}`);
        if (o.label === 'circle') {
          // Coverage summed over the box: a disc fills π/4 of its square.
          let area = 0;
          for (let y = Math.floor(o.box[1]); y < Math.ceil(o.box[3]); y++)
            for (let x = Math.floor(o.box[0]); x < Math.ceil(o.box[2]); x++) area += coverage(img, x, y, o, bg);
          const fill = area / ((o.box[2] - o.box[0]) * (o.box[3] - o.box[1]));
          assert.ok(Math.abs(fill - Math.PI / 4) < 0.02, `seed ${seed}: circle fills ${fill} of its box`);
        }
        seen.add(o.label);
      }
    }
    assert.ok(seen.has('ring') && seen.has('circle') && seen.has('square') && seen.has('cross'), [...seen].join());
  });

  it('shape colours stand out from the background', () => {
    for (const seed of SEEDS) {
      const scene = generateScene(seed, { plain: true });
      for (const o of scene.objects) {
        const d = Math.hypot(...o.color.map((c, i) => c - scene.background![i]));
        assert.ok(d >= 110, `seed ${seed}: ${o.label} colour ${o.color} vs background ${scene.background}`);
      }
    }
  });
});

describe('pixel noise', () => {
  it('is seeded, zero-mean, with the standard deviation asked for', async () => {
    const scene = generateScene(11);
    const clean = await renderScene(scene, { noise: 0 });
    const noisy = await renderScene(scene, { noise: 6 });
    const again = await renderScene(scene, { noise: 6 });
    assert.ok(Buffer.from(noisy.data).equals(Buffer.from(again.data)));
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (let i = 0; i < clean.data.length; i++) {
      if (clean.data[i] < 30 || clean.data[i] > 225) continue; // clipping at 0/255 would bias the estimate
      const d = noisy.data[i] - clean.data[i];
      s += d;
      s2 += d * d;
      n++;
    }
    assert.ok(n > 10000);
    assert.ok(Math.abs(s / n) < 0.2, `mean ${s / n}`);
    assert.ok(Math.abs(Math.sqrt(s2 / n - (s / n) ** 2) - 6) < 0.4, `std ${Math.sqrt(s2 / n)}`);
  });
});

describe('averagePrecision', () => {
  it('matches hand-computed values (ties enter together)', () => {
    // Ranking + − + −: P at the positives 1 and 2/3, each worth recall 1/2.
    assert.ok(Math.abs(averagePrecision([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]) - (0.5 + 1 / 3)) < 1e-12);
    assert.equal(averagePrecision([0.1, 0.9, 0.3], [0, 1, 1]), 1);
    // All tied: one threshold, precision = prevalence.
    assert.equal(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0]), 0.25);
    // A tie between the top positive and a negative: P = 1/2 at recall 1/2, then 2/3 at recall 1.
    assert.ok(Math.abs(averagePrecision([0.9, 0.9, 0.5], [1, 0, 1]) - (0.25 + 1 / 3)) < 1e-12);
    assert.ok(Number.isNaN(averagePrecision([0.2, 0.3], [0, 0])));
  });

  it('averages classes with positives', () => {
    // Two classes, three samples: class 0 ranked perfectly, class 1 inverted (AP = 1/3 with one positive last).
    const m = meanAveragePrecision([0.9, 0.8, 0.2, 0.5, 0.1, 0.1], [1, 0, 0, 0, 0, 1], 2);
    assert.deepEqual(m.perClass, [1, 1 / 3]);
    assert.ok(Math.abs(m.mean - 2 / 3) < 1e-12);
  });
});
