/**
 * What the 1-D and 3-D zoo tests share: tools/gen_signal_zoo.py and tools/gen_volume_zoo.py write one layout (through
 * tools/zoo_harness.py), so reading it, the skip line when a zoo is missing, the check of a map against torch's and
 * the list of (method, layer) maps to compute are written once here; each test keeps what its data's shape asks.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseNpy, type ExplainOptions } from '../../src/node.js';
import type { NpyArray } from '../../src/io-npy.js';
import { explainToFiles, tempDir } from '../helpers/cli.js';
import { maxAbsDiff } from '../helpers/compare.js';
import { record } from './zoo-fixtures.js';

/** max |gcam's map − torch's float64 map| allowed; the generators keep float32 torch within a tenth of it. */
export const TOL = 1e-4;

/** The fields of <name>.json both zoos write (zoo_harness.fixture). */
export interface GeneratedFixture {
  name: string;
  inputShape: number[];
  input: string;
  targets: number[];
  layers: { role: string; module: string; dims: number[]; maps: Record<string, string> }[];
  defaultLayer: string;
  onnx: Record<string, { file: string; tensors: Record<string, string> }>;
  /** Grad-CAM with aug-smooth, eigen-smooth, combined layers (where the generator made them). */
  variants?: { method: string; options: ExplainOptions; flags: string[]; layers: string[]; file: string }[];
}

/**
 * Every architecture's fixture in `dir`, sorted by file name; when there is none, one skipped test titled `title`
 * saying how to generate them (`needs`: the Debian packages).
 */
export function loadGeneratedZoo<F extends GeneratedFixture>(dir: string, title: string, needs: string): F[] {
  const fixtures: F[] = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as F)
    : [];
  if (fixtures.length === 0)
    describe(title, () => {
      it('is generated', { skip: `the ${title} is not generated in ${dir}: run tools/run_zoo.sh (needs ${needs})` }, () => {});
    });
  return fixtures;
}

/** A reader of the zoo's .npy files by name. */
export const npyReader =
  (dir: string) =>
  (file: string): NpyArray =>
    parseNpy(readFileSync(join(dir, file)), file);

/** Asserts a map within TOL of torch's, reports the error as a diagnostic and to $GCAM_ZOO_REPORT. */
export function checkMap(t: TestContext, got: ArrayLike<number>, expected: ArrayLike<number>, what: string, extra: object): void {
  const err = maxAbsDiff(got, expected);
  t.diagnostic(`${what}: max |map − torch| = ${err.toExponential(2)}`);
  record({ ...extra, what, err });
  assert.ok(err <= TOL, `${what}: max |map − torch| = ${err} > ${TOL}`);
}

/**
 * One job per (layer, method) with a reference. Input-level methods ignore the layer; guided Grad-CAM takes its
 * Grad-CAM at the usual layer, as the generator does, so their target layer is the usual one.
 */
export function mapJobs(fx: GeneratedFixture) {
  const usual = fx.layers.find((l) => l.role === 'usual')!.module;
  return fx.layers.flatMap((l) =>
    Object.entries(l.maps).map(([method, file]) => ({ layer: l, method, file, target: l.role === 'input' ? usual : l.module })),
  );
}

/**
 * `gcam explain` on the fixture's input batch (.npy) with --save-cam at `layers` (and `flags`): exit code 0, the
 * maps' dims = `dims` when given, the maps within TOL of `expected`.
 */
export async function checkCliMaps(
  t: TestContext,
  dir: string,
  fx: GeneratedFixture,
  model: string,
  run: { layers: string[]; flags: string[]; dims?: number[] },
  expected: ArrayLike<number>,
  what: string,
  extra: object,
): Promise<void> {
  const out = await explainToFiles(tempDir(`gcam-zoo-${fx.name}-`), join(dir, fx.input), join(dir, model), run.layers, run.flags);
  assert.equal(out.run.code, 0, out.run.stderr);
  const maps = parseNpy(readFileSync(out.cam));
  if (run.dims) assert.deepEqual(maps.dims, run.dims);
  checkMap(t, maps.data, expected, what, extra);
}
