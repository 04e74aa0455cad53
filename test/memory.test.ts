/**
 * Memory stays flat: 300 different images explained one call at a time in one process with one ImageExplainer (the
 * small ResNet fixture, 64×64). Sessions are compiled once and reused, and nothing of a call is kept once its results
 * are dropped, so the resident set measured over the last 50 images must stay within 10% of the one after image 50
 * (the first 50 are the warm-up: sessions compiled, onnxruntime's arenas and V8's heap grown to their working size).
 *
 * RSS is sampled after every image, after a full garbage collection; the late value is the median over images 251–300, so a single transient peak (a
 * garbage collection not run yet) cannot fail the test while a leak, which raises every later sample, does. A leak
 * of about 100 KB per image (e.g. keeping every result's maps) is caught; the test was checked to fail with one.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createImageExplainer, type RawImage } from '../src/node.js';

const MODEL = join(import.meta.dirname, 'fixtures', 'e2e', 'resnet.onnx');
const IMAGES = 300;
const WARMUP = 50;
const LATE = 50;
const MAX_GROWTH = 0.1;

/** A different photo-like image per index: sizes vary, smooth gradients plus a moving bright square plus noise. */
function image(i: number): RawImage {
  const width = 72 + (i % 5) * 8;
  const height = 64 + (i % 3) * 12;
  const data = new Uint8Array(width * height * 3);
  let s = (i + 1) * 2654435761;
  const sx = (i * 7) % (width - 16);
  const sy = (i * 11) % (height - 16);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const inSquare = x >= sx && x < sx + 16 && y >= sy && y < sy + 16;
      for (let c = 0; c < 3; c++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const base = inSquare ? 230 : ((x * (c + 1) * 255) / width + (y * 255) / height + i * 13) % 256;
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, base + ((s >>> 0) % 21) - 10));
      }
    }
  return { width, height, channels: 3, data, name: `synthetic-${i}` };
}

/**
 * A full garbage collection before each sample, so that RSS measures what is still referenced rather than how far V8
 * has let garbage pile up (without it RSS wanders by ±15% with the heap's growth policy). `node --test` does not
 * expose gc(); the flag set at run time makes a fresh context's global `gc` available.
 */
function collector(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

describe('memory', () => {
  it(`stays flat over ${IMAGES} images explained in one process (RSS growth after the first ${WARMUP} ≤ ${MAX_GROWTH * 100}%)`, async () => {
    const gc = collector();
    const ex = await createImageExplainer(MODEL);
    const rss: number[] = [];
    try {
      for (let i = 0; i < IMAGES; i++) {
        // Alternate the default layer and an earlier one: two cached explain models, both reused.
        const results = await ex.explain([image(i)], { layers: i % 2 ? ['layer1'] : undefined, topK: 2 });
        assert.equal(results.length, 2);
        assert.ok(results[0].map.length === results[0].width * results[0].height);
        gc();
        rss.push(process.memoryUsage().rss);
      }
    } finally {
      await ex.release();
    }
    const atWarmup = rss[WARMUP - 1];
    const late = median(rss.slice(IMAGES - LATE));
    const growth = late / atWarmup - 1;
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
    const trace = [0, 49, 99, 149, 199, 249, 299].map((i) => `#${i + 1}: ${mb(rss[i])}`).join(', ');
    assert.ok(
      growth <= MAX_GROWTH,
      `RSS grew by ${(growth * 100).toFixed(1)}% after image ${WARMUP} (${mb(atWarmup)} → median ${mb(late)} over the last ${LATE}); ${trace}`,
    );
  });
});
