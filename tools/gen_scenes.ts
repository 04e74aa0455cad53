/**
 * Dumps procedural shape scenes for the Python trainer (tools/train_shapes.py), so that both sides draw by the same
 * rules (src/scenes):
 *
 *   node --import tsx tools/gen_scenes.ts --count N --seed-start S --out DIR [--size 128] [--min-objects 1] [--max-objects 3]
 *   node --import tsx tools/gen_scenes.ts --volume --count N --seed-start S --out DIR [--size 32] [--min-objects 1] [--max-objects 2]
 *
 * writes DIR/images.npy (uint8 [N, size, size, 3], scene seeds S … S + N − 1 in order) and DIR/labels.json (the
 * generator settings, the labels, and per scene its seed, multi-hot vector and boxes). With --volume, the volume
 * scenes of src/scenes/volume-scene.ts for tools/train_shapes3d.py: uint8 [N, size, size, size] voxels, and per scene
 * its seed, multi-hot vector and each solid's class, centre and size.
 *
 * Seed ranges (disjoint; see docs/builtin-model.md and docs/medical.md): training 1 000 000 – 1 999 999, validation
 * 2 000 000 – 2 099 999, held-out test 3 000 000 – 3 099 999, for either kind.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_NOISE, renderScene } from '../src/scenes/render-node.js';
import { generateScene, multiHot, SHAPE_LABELS, type SceneOptions } from '../src/scenes/scene.js';
import { generateVolumeScene, SOLID_LABELS, volumeMultiHot } from '../src/scenes/volume-scene.js';

/** A NumPy 1.0 header for a C-ordered uint8 array (io-npy.ts writes float32 only), padded to 64 bytes as NumPy does. */
function npyUint8Header(dims: readonly number[]): Uint8Array {
  let header = `{'descr': '|u1', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

function intArg(v: string | undefined, name: string, fallback?: number): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const n = Number(v);
  if (v === undefined || !Number.isSafeInteger(n)) throw new Error(`--${name} needs an integer (got ${v ?? 'nothing'}).`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      'seed-start': { type: 'string' },
      out: { type: 'string' },
      size: { type: 'string' },
      'min-objects': { type: 'string' },
      'max-objects': { type: 'string' },
      volume: { type: 'boolean' },
    },
  });
  const count = intArg(values.count, 'count');
  const seedStart = intArg(values['seed-start'], 'seed-start');
  if (!values.out) throw new Error('--out DIR is required.');
  if (values.volume) return dumpVolumes(values, count, seedStart, values.out);
  const options: SceneOptions = {
    size: intArg(values.size, 'size', 128),
    minObjects: intArg(values['min-objects'], 'min-objects', 1),
    maxObjects: intArg(values['max-objects'], 'max-objects', 3),
  };
  const size = options.size!;
  mkdirSync(values.out, { recursive: true });

  const fd = openSync(join(values.out, 'images.npy'), 'w');
  const items: { seed: number; multiHot: number[]; objects: { classIndex: number; label: string; box: number[] }[] }[] = [];
  try {
    writeSync(fd, npyUint8Header([count, size, size, 3]));
    // Chunks of scenes render concurrently (sharp works off the main thread) and are written in seed order.
    const chunk = 16;
    for (let start = 0; start < count; start += chunk) {
      const seeds = Array.from({ length: Math.min(chunk, count - start) }, (_, i) => seedStart + start + i);
      const scenes = seeds.map((s) => generateScene(s, options));
      const images = await Promise.all(scenes.map((s) => renderScene(s)));
      for (let i = 0; i < scenes.length; i++) {
        writeSync(fd, images[i].data);
        const sc = scenes[i];
        items.push({
          seed: sc.seed,
          multiHot: multiHot(sc),
          objects: sc.objects.map((o) => ({ classIndex: o.classIndex, label: o.label, box: o.box })),
        });
      }
    }
  } finally {
    closeSync(fd);
  }
  const labels = { labels: SHAPE_LABELS, generator: { ...options, noise: DEFAULT_NOISE }, seedStart, count, items };
  writeFileSync(join(values.out, 'labels.json'), JSON.stringify(labels));
}

/** Volume scenes: computed in this thread (no rendering step), written in seed order. */
function dumpVolumes(values: Record<string, string | boolean | undefined>, count: number, seedStart: number, out: string): void {
  const str = (k: string) => values[k] as string | undefined;
  const options = {
    size: intArg(str('size'), 'size', 32),
    minObjects: intArg(str('min-objects'), 'min-objects', 1),
    maxObjects: intArg(str('max-objects'), 'max-objects', 2),
  };
  const n = options.size;
  mkdirSync(out, { recursive: true });
  const fd = openSync(join(out, 'images.npy'), 'w');
  const items: {
    seed: number;
    multiHot: number[];
    objects: { classIndex: number; label: string; centre: number[]; size: number }[];
  }[] = [];
  try {
    writeSync(fd, npyUint8Header([count, n, n, n]));
    for (let i = 0; i < count; i++) {
      const sc = generateVolumeScene(seedStart + i, options);
      writeSync(fd, sc.data);
      items.push({
        seed: sc.seed,
        multiHot: volumeMultiHot(sc),
        objects: sc.objects.map((o) => ({
          classIndex: o.classIndex,
          label: o.label,
          centre: o.solid.centre,
          size: o.solid.size,
        })),
      });
    }
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(out, 'labels.json'), JSON.stringify({ labels: SOLID_LABELS, generator: options, seedStart, count, items }));
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
