/**
 * COCO segmentations for the pointing games: polygon rasterisation (src/metrics/polygon-mask.ts) against hand-computed
 * cases and against the brute-force even-odd test of tools/gen_metrics_reference.py (test/fixtures/metrics/
 * localisation.json: convex, concave, self-intersecting and partly outside rings, several rings per object), the
 * uncompressed RLE decoding (rle.ts) against hand-made cases, and evaluate() and `gcam evaluate --boxes` with polygons
 * and RLE masks against the reference's pointing and energy values on the resnet fixture's float64 Grad-CAM maps.
 * Malformed segmentations are typed errors (exit 2).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeNpy } from '../src/io-npy.js';
import { createImageExplainer, InvalidInputError, type ImageExplainer, type ImageSource } from '../src/node.js';
import { evaluate, type Annotation, type Evaluation } from '../src/metrics/evaluate.js';
import { checkRings, rasterisePolygons } from '../src/metrics/polygon-mask.js';
import { decodeRle } from '../src/metrics/rle.js';
import { runCli } from './helpers/cli.js';

interface RefRegion {
  class: number;
  polygons?: number[][];
  rle?: { counts: number[]; size: [number, number] };
}
interface LocalisationReference {
  rasterisation: { width: number; height: number; cases: { name: string; rings: number[][]; mask: string[] }[] };
  pointing: {
    onnx: string;
    input: string;
    layer: string;
    tolerances: number[];
    images: {
      image: number;
      annotations: RefRegion[];
      rows: { class: number; kind: string; pointing: number[]; energy: number }[];
    }[];
  };
}

const ROOT = new URL('../', import.meta.url);
const REF = JSON.parse(readFileSync(new URL('test/fixtures/metrics/localisation.json', ROOT), 'utf8')) as LocalisationReference;

/** A mask as rows of '0'/'1', for readable comparisons. */
function rows(mask: Uint8Array, width: number): string[] {
  const out: string[] = [];
  for (let p = 0; p < mask.length; p += width) out.push(Array.from(mask.subarray(p, p + width)).join(''));
  return out;
}

describe('polygon rasterisation (pixel centres, even-odd, union of rings)', () => {
  it('takes a square on pixel centres by the half-open rule: its top and left edges in, bottom and right out', () => {
    // Centres x + ½ ∈ [1.5, 4.5) and y + ½ ∈ [1.5, 4.5): pixels 1, 2, 3 each way.
    assert.deepEqual(rows(rasterisePolygons([[1.5, 1.5, 4.5, 1.5, 4.5, 4.5, 1.5, 4.5]], 6, 5), 6), [
      '000000',
      '011100',
      '011100',
      '011100',
      '000000',
    ]);
  });

  it('fills a hand-computed triangle', () => {
    // (0, 0), (4, 0), (0, 4): centre (x + ½, y + ½) is inside when x + y + 1 < 4.
    assert.deepEqual(rows(rasterisePolygons([[0, 0, 4, 0, 0, 4]], 5, 5), 5), ['11100', '11000', '10000', '00000', '00000']);
  });

  it("merges an object's rings as a union, not by even-odd across them", () => {
    const a = [0, 0, 3, 0, 3, 2, 0, 2];
    const b = [1, 0, 4, 0, 4, 2, 1, 2];
    assert.deepEqual(rows(rasterisePolygons([a, b], 5, 2), 5), ['11110', '11110']);
  });

  for (const c of REF.rasterisation.cases)
    it(`matches the brute-force reference: ${c.name}`, () => {
      const { width, height } = REF.rasterisation;
      assert.deepEqual(rows(rasterisePolygons(c.rings, width, height), width), c.mask);
    });

  it('refuses malformed rings with typed errors', () => {
    const bad = (rings: unknown, re: RegExp) =>
      assert.throws(
        () => checkRings(rings, 'annotation #4'),
        (e: unknown) => e instanceof InvalidInputError && re.test(e.message),
      );
    bad([[1, 2, 3, 4, 5, 6, 7]], /annotation #4 has 7 coordinates, an odd count/);
    bad([[1, 2, 3, 4]], /annotation #4 has 2 points; a polygon needs at least 3/);
    bad(
      [
        [0, 0, 5, 0, 5, 5],
        [1, 1, 2],
      ],
      /annotation #4, ring #1 has 3 coordinates/,
    );
    bad([[0, 0, 5, NaN, 5, 5]], /finite numbers/);
    bad([], /non-empty list of rings/);
    bad({ counts: [] }, /non-empty list of rings/);
  });
});

describe('uncompressed RLE (column-major runs, 0s first)', () => {
  it('decodes hand-made masks', () => {
    // size [h = 2, w = 3]; column-major order (0,0) (1,0) (0,1) (1,1) (0,2) (1,2) as (y, x); runs 1 off, 2 on, 3 off.
    const m = decodeRle({ counts: [1, 2, 3], size: [2, 3] }, 'x');
    assert.deepEqual([m.width, m.height], [3, 2]);
    assert.deepEqual(rows(m.mask, 3), ['010', '100']);
    assert.deepEqual(rows(decodeRle({ counts: [0, 6], size: [2, 3] }, 'x').mask, 3), ['111', '111']);
    assert.deepEqual(rows(decodeRle({ counts: [4, 1, 0, 1], size: [3, 2] }, 'x').mask, 2), ['00', '01', '01']);
    assert.deepEqual(rows(decodeRle({ counts: [6], size: [3, 2] }, 'x').mask, 2), ['00', '00', '00']);
  });

  it("reads COCO's compressed strings: the same masks as their runs", () => {
    // Strings from an encoder written from COCO's definition (5-bit groups + 48, continuation 0x20, sign 0x10 in the
    // last group, runs from the fourth on as differences to the run two before), in Python, not from this decoder.
    const cases: [string, number[], [number, number]][] = [
      ['06', [0, 6], [2, 3]],
      ['213', [2, 1, 3], [2, 3]],
      ['510031', [5, 1, 0, 1, 3, 2], [3, 4]],
      ['3X12iNT2OkM', [3, 40, 2, 1, 70, 0, 1], [9, 13]],
      ['PeQ3n02bi`15aU_N', [100000, 30, 2, 50000, 7, 1], [20, 7502]],
    ];
    for (const [text, counts, size] of cases)
      assert.deepEqual(decodeRle({ counts: text, size }, 'x').mask, decodeRle({ counts, size }, 'x').mask, text);
  });

  it('refuses RLE that does not describe its size, with typed errors', () => {
    const bad = (rle: unknown, re: RegExp) =>
      assert.throws(
        () => decodeRle(rle, 'annotation #2'),
        (e: unknown) => e instanceof InvalidInputError && re.test(e.message),
      );
    bad({ counts: [1, 2, 2], size: [2, 3] }, /annotation #2: the RLE's counts sum to 5, but its size \[2, 3\] has 6 pixels/);
    bad({ counts: '0P', size: [2, 3] }, /annotation #2: the compressed RLE string ends inside a run/);
    bad({ counts: '0 6', size: [2, 3] }, /' ' cannot appear in a compressed RLE string/);
    bad({ counts: [1, -1, 6], size: [2, 3] }, /non-negative integer/);
    bad({ counts: [6], size: [6] }, /"size": \[height, width\]/);
  });
});

/** The reference's annotations as evaluate() takes them: polygons as they are, RLE decoded to masks. */
function annotationsOf(regions: RefRegion[]): Annotation[] {
  return regions.map((r) => ({
    classIndex: r.class,
    region: r.polygons ? { polygons: r.polygons } : decodeRle(r.rle, `class ${r.class}`),
  }));
}

function inputs(): { tensor: Float32Array; dims: number[] }[] {
  const fx = JSON.parse(readFileSync(new URL(REF.pointing.input, ROOT), 'utf8')) as { inputShape: number[]; input: number[] };
  const [n, ...chw] = fx.inputShape;
  const per = chw.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => ({ tensor: Float32Array.from(fx.input.slice(i * per, (i + 1) * per)), dims: chw }));
}

/** Every (image, class) of the reference against the rows of an evaluation at tolerance index t. */
function compare(ev: Pick<Evaluation, 'rows'>, t: number): number {
  let worst = 0;
  for (const im of REF.pointing.images)
    for (const ref of im.rows) {
      const row = ev.rows.find((r) => r.image === im.image && r.classIndex === ref.class);
      assert.ok(row, `no row for image ${im.image} class ${ref.class}`);
      const at = `image ${im.image} class ${ref.class} (${ref.kind}), tolerance ${REF.pointing.tolerances[t]}`;
      assert.equal(row.values.pointing, ref.pointing[t], `${at}: pointing`);
      const d = Math.abs(row.values['energy-pointing'] - ref.energy);
      assert.ok(d <= 1e-5, `${at}: energy ${row.values['energy-pointing']} vs ${ref.energy}`);
      worst = Math.max(worst, d);
    }
  return worst;
}

describe('pointing games with polygons and RLE masks, against the float64 reference', () => {
  let ex: ImageExplainer;
  const images: ImageSource[] = inputs();
  const annotations = REF.pointing.images.map((im) => annotationsOf(im.annotations));
  const options = { preprocess: 'none' as const, layers: [REF.pointing.layer], metrics: ['pointing', 'energy-pointing'] };
  before(async () => {
    ex = await createImageExplainer(new URL(REF.pointing.onnx, ROOT).pathname);
  });
  after(() => ex.release());

  it('evaluate() gives the reference values at each tolerance', async () => {
    let worst = 0;
    for (const [t, tolerance] of REF.pointing.tolerances.entries()) {
      const ev = await evaluate(ex, images, { ...options, annotations, pointingTolerance: tolerance });
      worst = Math.max(worst, compare(ev, t));
    }
    console.log(`pointing and energy with polygons and RLE: max |Δ energy| ${worst.toExponential(1)}`);
  });

  it('refuses a mask of another size than the image, and a malformed polygon, before any compute', async () => {
    const half = { mask: new Uint8Array(32 * 32), width: 32, height: 32 };
    await assert.rejects(
      evaluate(ex, images, { ...options, annotations: [[{ classIndex: 3, region: half }], annotations[1]] }),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        /Image #0 \(tensor #0\), annotation #0: its mask is 32×32.*the image is 64×64/.test(e.message),
    );
    await assert.rejects(
      evaluate(ex, images, {
        ...options,
        annotations: [annotations[0], [{ classIndex: 7, region: { polygons: [[0, 0, 9, 9]] } }]],
      }),
      (e: unknown) => e instanceof InvalidInputError && /Image #1 \(tensor #1\), annotation #0 has 2 points/.test(e.message),
    );
  });
});

describe('gcam evaluate --boxes with COCO segmentations', () => {
  let dir: string;
  let npys: string[];
  const model = new URL(REF.pointing.onnx, ROOT).pathname;
  const coco = (annotations: unknown[]) => ({
    images: npys.map((_, i) => ({ id: i + 1, file_name: `img${i}.npy`, width: 64, height: 64 })),
    annotations,
  });
  const refAnnotations = () =>
    REF.pointing.images.flatMap((im) =>
      im.annotations.map((a) => ({
        image_id: im.image + 1,
        category_id: a.class,
        bbox: [0, 0, 64, 64], // ignored: the segmentation is the region
        segmentation: a.polygons ?? a.rle,
      })),
    );
  const write = (name: string, doc: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(doc));
    return path;
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gcam-segmentation-'));
    npys = inputs().map((x, i) => {
      const path = join(dir, `img${i}.npy`);
      writeFileSync(path, encodeNpy(x.tensor, [1, ...x.dims]));
      return path;
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads polygons and uncompressed RLE, giving the reference values', async () => {
    const boxes = write('coco.json', coco(refAnnotations()));
    const t = REF.pointing.tolerances.length - 1;
    const json = join(dir, 'ev.json');
    const args = ['evaluate', ...npys, '--model', model, '--preprocess', 'none', '--layer', REF.pointing.layer];
    const r = await runCli([
      ...args,
      ...[
        '--metrics',
        'pointing,energy-pointing',
        '--boxes',
        boxes,
        '--tolerance',
        String(REF.pointing.tolerances[t]),
        '--json',
        json,
      ],
    ]);
    assert.equal(r.code, 0, r.stderr);
    compare(JSON.parse(readFileSync(json, 'utf8')) as Evaluation, t);
  });

  it('exits 2 on a malformed polygon, an RLE whose counts miss its size and an RLE of another size', async () => {
    const cases: [unknown, RegExp][] = [
      [[[1, 2, 3, 4, 5]], /coco-bad\.json annotation #0 has 5 coordinates, an odd count/],
      [[[1, 2, 3, 4]], /annotation #0 has 2 points; a polygon needs at least 3/],
      [
        { counts: [10, 20], size: [64, 64] },
        /annotation #0: the RLE's counts sum to 30, but its size \[64, 64\] has 4096 pixels/,
      ],
      [{ counts: [100, 24], size: [4, 31] }, /its mask is 31×4 \(width×height\), but the image is 64×64/],
      [{ counts: 'abc', size: [64, 64] }, /compressed RLE/],
    ];
    for (const [segmentation, re] of cases) {
      const boxes = write('coco-bad.json', coco([{ image_id: 1, category_id: 3, segmentation }]));
      const r = await runCli([
        'evaluate',
        npys[0],
        '--model',
        model,
        '--preprocess',
        'none',
        '--metrics',
        'pointing',
        '--boxes',
        boxes,
      ]);
      assert.equal(r.code, 2, `${JSON.stringify(segmentation)}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });
});
