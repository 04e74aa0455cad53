/**
 * The 1-D zoo against PyTorch (tools/gen_signal_zoo.py: a ResNet-style 1-D net on 12 leads and a plain
 * Conv1d/BatchNorm1d/MaxPool1d/AdaptiveAvgPool1d net with a free length, random weights, opsets 13 and 17, maps in
 * float64 autograd with pytorch-grad-cam's formulas reducing over the one spatial axis). For every architecture and
 * opset, through the explain API (tensor inputs [C, L]) and the CLI (a [2, C, L] .npy with --save-cam, --size L for
 * the free-length model): every method with a reference, at the usual and the early layer (Score-CAM and Ablation-CAM
 * at the usual layer), the predicted class of each signal = torch's and the final map [L] within TOL of torch's (ReLU,
 * min-max at the layer, linear half-pixel upsample, min-max). Also gcam's default layer and the result's length
 * fields; Grad-CAM with aug-smooth (flips along L), eigen-smooth and combined layers, saliency, guided
 * backpropagation and guided Grad-CAM (resnet1d).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it, type TestContext } from 'node:test';
import { defaultLayer, listLayers } from '../../src/layers.js';
import { GraphView, createImageExplainer, loadModel, nodeRuntime, parseNpy, type ExplainOptions } from '../../src/node.js';
import type { DecodedModel } from '../../src/onnx/decode.js';
import { explainToFiles, tempDir } from '../helpers/cli.js';
import { maxAbsDiff } from '../helpers/compare.js';
import { record } from './zoo-fixtures.js';

const TOL = 1e-4;
const DIR = process.env.GCAM_ZOO1D_DIR ?? fileURLToPath(new URL('../../.cache/zoo1d/', import.meta.url));

interface Fixture {
  name: string;
  inputShape: number[];
  freeLength: boolean;
  input: string;
  targets: number[];
  layers: { role: string; module: string; dims: number[]; maps: Record<string, string> }[];
  defaultLayer: string;
  onnx: Record<string, { file: string; tensors: Record<string, string> }>;
  /** Grad-CAM with aug-smooth, eigen-smooth, combined layers (resnet1d). */
  variants?: { method: string; options: ExplainOptions; flags: string[]; layers: string[]; file: string }[];
}

const fixtures: Fixture[] = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture)
  : [];
const npy = (file: string) => parseNpy(readFileSync(join(DIR, file)), file);

if (fixtures.length === 0)
  describe('1-D zoo', () => {
    it(
      'is generated',
      { skip: `the 1-D zoo is not generated in ${DIR}: run tools/run_zoo.sh (needs python3-torch, python3-onnx)` },
      () => {},
    );
  });

function check(t: TestContext, got: ArrayLike<number>, expected: ArrayLike<number>, what: string, extra: object): void {
  const err = maxAbsDiff(got, expected);
  t.diagnostic(`${what}: max |map − torch| = ${err.toExponential(2)}`);
  record({ ...extra, what, err });
  assert.ok(err <= TOL, `${what}: max |map − torch| = ${err} > ${TOL}`);
}

for (const fx of fixtures) {
  const [n, c, length] = fx.inputShape;
  const input = npy(fx.input);
  const per = c * length;
  const size = fx.freeLength ? { size: length } : {};
  const sizeFlags = fx.freeLength ? ['--size', String(length)] : [];
  const signals = fx.targets.map((_, i) => ({
    tensor: input.data.subarray(i * per, (i + 1) * per),
    dims: [c, length],
    name: `signal ${i}`,
  }));
  // Input-level methods ignore the layer; guided Grad-CAM takes its Grad-CAM at the usual layer, as the generator does.
  const usual = fx.layers.find((l) => l.role === 'usual')!.module;
  const jobs = fx.layers.flatMap((l) =>
    Object.entries(l.maps).map(([method, file]) => ({ layer: l, method, file, target: l.role === 'input' ? usual : l.module })),
  );
  for (const [opset, on] of Object.entries(fx.onnx)) {
    describe(`${fx.name} opset ${opset} (${c}×${length}${fx.freeLength ? ', free length' : ''})`, () => {
      let decoded: DecodedModel | undefined;
      const model = (): DecodedModel => (decoded ??= loadModel(join(DIR, on.file)));
      const base = { arch: fx.name, opset: Number(opset) };

      it(`default layer '${fx.defaultLayer}'`, async () => {
        const view = new GraphView(model().proto);
        const layers = await listLayers(nodeRuntime(), model(), { view, inputShape: [1, c, length] });
        assert.equal(defaultLayer(layers, view).tensor, on.tensors.default);
      });

      it(`explain API: ${jobs.length} (method, layer) maps [L] vs torch float64`, async (t) => {
        const ex = await createImageExplainer(model(), size);
        try {
          for (const job of jobs) {
            const results = await ex.explain(signals, { layers: [job.target], method: job.method as ExplainOptions['method'] });
            const expected = npy(job.file).data;
            for (const r of results) {
              assert.equal(r.classIndex, fx.targets[r.image], `signal ${r.image}: predicted class = torch's`);
              assert.deepEqual([r.length, r.inputLength, r.width, r.height], [length, length, length, 1]);
              assert.equal(r.layerLength, job.layer.dims[2]);
              check(
                t,
                r.map,
                expected.subarray(r.image * length, (r.image + 1) * length),
                `${job.method} signal ${r.image} ${job.layer.role} '${job.layer.module}'`,
                { ...base, method: job.method, role: job.layer.role, path: 'api' },
              );
            }
          }
        } finally {
          await ex.release();
        }
      });

      if (fx.variants?.length)
        it(`Grad-CAM with ${fx.variants.map((v) => v.flags.join(' ')).join(', ')} vs torch (API and CLI)`, async (t) => {
          const ex = await createImageExplainer(model(), size);
          try {
            for (const v of fx.variants!) {
              const expected = npy(v.file).data;
              const what = `${v.method} ${v.flags.join(' ')} at ${v.layers.join(' + ')}`;
              const results = await ex.explain(signals, { ...v.options, layers: v.layers });
              assert.equal(results.length, n);
              for (const r of results)
                check(t, r.map, expected.subarray(r.image * length, (r.image + 1) * length), `${what} signal ${r.image}`, {
                  ...base,
                  method: what,
                  path: 'api',
                });
              const { run, cam } = await explainToFiles(
                tempDir('gcam-zoo1d-'),
                join(DIR, fx.input),
                join(DIR, on.file),
                v.layers,
                [...v.flags, ...sizeFlags],
              );
              assert.equal(run.code, 0, run.stderr);
              check(t, parseNpy(readFileSync(cam)).data, expected, `${what} (CLI)`, { ...base, method: what, path: 'cli' });
            }
          } finally {
            await ex.release();
          }
        });

      it(`CLI --save-cam on the [${fx.inputShape.join(', ')}] .npy: every method at the usual layer (and the input) vs torch`, async (t) => {
        for (const job of jobs.filter((j) => j.layer.role !== 'early')) {
          const { run, cam } = await explainToFiles(
            tempDir('gcam-zoo1d-'),
            join(DIR, fx.input),
            join(DIR, on.file),
            [job.target],
            ['--method', job.method, ...sizeFlags],
          );
          assert.equal(run.code, 0, run.stderr);
          const maps = parseNpy(readFileSync(cam));
          assert.deepEqual(maps.dims, [n, length]);
          check(t, maps.data, npy(job.file).data, `${job.method} ${job.layer.role} '${job.layer.module}' (CLI)`, {
            ...base,
            method: job.method,
            path: 'cli',
          });
        }
      });
    });
  }
}
