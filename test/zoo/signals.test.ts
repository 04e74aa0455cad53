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
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { defaultLayer, listLayers } from '../../src/layers.js';
import { GraphView, createImageExplainer, loadModel, nodeRuntime, type ExplainOptions } from '../../src/node.js';
import type { DecodedModel } from '../../src/onnx/decode.js';
import { checkCliMaps, checkMap, loadGeneratedZoo, mapJobs, npyReader, type GeneratedFixture } from './generated-zoo.js';

const DIR = process.env.GCAM_ZOO1D_DIR ?? fileURLToPath(new URL('../../.cache/zoo1d/', import.meta.url));

interface Fixture extends GeneratedFixture {
  freeLength: boolean;
}

const fixtures = loadGeneratedZoo<Fixture>(DIR, '1-D zoo', 'python3-torch, python3-onnx');
const npy = npyReader(DIR);

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
  const jobs = mapJobs(fx);
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
              checkMap(
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
                checkMap(t, r.map, expected.subarray(r.image * length, (r.image + 1) * length), `${what} signal ${r.image}`, {
                  ...base,
                  method: what,
                  path: 'api',
                });
              await checkCliMaps(
                t,
                DIR,
                fx,
                on.file,
                { layers: v.layers, flags: [...v.flags, ...sizeFlags] },
                expected,
                `${what} (CLI)`,
                {
                  ...base,
                  method: what,
                  path: 'cli',
                },
              );
            }
          } finally {
            await ex.release();
          }
        });

      it(`CLI --save-cam on the [${fx.inputShape.join(', ')}] .npy: every method at the usual layer (and the input) vs torch`, async (t) => {
        for (const job of jobs.filter((j) => j.layer.role !== 'early')) {
          const flags = ['--method', job.method, ...sizeFlags];
          const what = `${job.method} ${job.layer.role} '${job.layer.module}' (CLI)`;
          await checkCliMaps(t, DIR, fx, on.file, { layers: [job.target], flags, dims: [n, length] }, npy(job.file).data, what, {
            ...base,
            method: job.method,
            path: 'cli',
          });
        }
      });
    });
  }
}
