/**
 * The 3-D zoo against PyTorch (tools/gen_volume_zoo.py: a reduced MONAI-style DenseNet-121-3-D, a MONAI-style 3-D
 * ResNet and torchvision's r3d_18, random weights, opsets 13 and 17, maps in float64 autograd). For every architecture
 * and opset, through the explain API (tensor inputs [C, D, H, W]) and the CLI (a [2, C, D, H, W] .npy with
 * --save-cam): every method with a reference, at the usual and the early layer (Score-CAM and Ablation-CAM at the
 * usual layer), the predicted class of each image = torch's and the final map [D, H, W] within TOL of torch's (ReLU,
 * min-max at the layer, trilinear half-pixel upsample, min-max). Also gcam's default layer, and the result's depth
 * fields. Grad-CAM with aug-smooth (flips along W), eigen-smooth and combined layers (resnet3d). Saliency, guided backpropagation and guided Grad-CAM (resnet3d) at the input resolution. Grad-CAM++ and XGrad-CAM reduce over all three spatial axes on both sides (tools/cam_reference.py).
 * The NIfTI flow (resnet3d): a CT-like .nii.gz on a 40×36×28 grid, CT window, trilinear to the model's 32³, Grad-CAM,
 * carried back to 40×36×28 — the heatmap the CLI writes (read back by nifti-reader-js, affine kept) and the library's
 * map, both within TOL of torch's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { defaultLayer, listLayers } from '../../src/layers.js';
import { GraphView, createImageExplainer, loadModel, nodeRuntime, type ExplainOptions } from '../../src/node.js';
import type { DecodedModel } from '../../src/onnx/decode.js';
import { readNifti } from '../../src/volume/nifti.js';
import { gunzipSync } from 'fflate';
import { readHeader, readImage } from 'nifti-reader-js';
import { runCli, tempDir } from '../helpers/cli.js';
import { checkCliMaps, checkMap, loadGeneratedZoo, mapJobs, npyReader, type GeneratedFixture } from './generated-zoo.js';

const DIR = process.env.GCAM_ZOO3D_DIR ?? fileURLToPath(new URL('../../.cache/zoo3d/', import.meta.url));

interface Fixture extends GeneratedFixture {
  numClasses: number;
  /** The NIfTI flow (resnet3d): a volume on its own grid, its intensity preset, and Grad-CAM on that grid. */
  nifti: { file: string; intensity: string; grid: number[]; class: number; gradcam: string; affine: number[][] } | null;
}

const fixtures = loadGeneratedZoo<Fixture>(DIR, '3-D zoo', 'python3-torch, python3-torchvision, python3-onnx');
const npy = npyReader(DIR);

for (const fx of fixtures) {
  const [n, c, ...size] = fx.inputShape;
  const voxels = size.reduce((a, b) => a * b, 1);
  const input = npy(fx.input);
  const per = input.data.length / n;
  const jobs = mapJobs(fx);
  for (const [opset, on] of Object.entries(fx.onnx)) {
    describe(`${fx.name} opset ${opset} (${fx.inputShape.slice(1).join('×')})`, () => {
      let decoded: DecodedModel | undefined;
      const model = (): DecodedModel => (decoded ??= loadModel(join(DIR, on.file)));
      const base = { arch: fx.name, opset: Number(opset) };

      it(`default layer '${fx.defaultLayer}'`, async () => {
        const view = new GraphView(model().proto);
        const layers = await listLayers(nodeRuntime(), model(), { view, inputShape: [1, c, ...size] });
        assert.equal(defaultLayer(layers, view).tensor, on.tensors.default);
      });

      it(`explain API: ${jobs.length} (method, layer) maps [D, H, W] vs torch float64`, async (t) => {
        const ex = await createImageExplainer(model());
        try {
          const images = fx.targets.map((_, i) => ({
            tensor: input.data.subarray(i * per, (i + 1) * per),
            dims: [c, ...size],
            name: `volume ${i}`,
          }));
          for (const job of jobs) {
            const options: ExplainOptions = {
              layers: [job.target],
              preprocess: 'none',
              method: job.method as ExplainOptions['method'],
            };
            const results = await ex.explain(images, options);
            const expected = npy(job.file).data;
            for (const r of results) {
              assert.equal(r.classIndex, fx.targets[r.image], `image ${r.image}: predicted class = torch's`);
              assert.deepEqual([r.depth, r.height, r.width], size, 'map dims [depth, height, width]');
              assert.deepEqual([r.inputDepth, r.inputHeight, r.inputWidth], size);
              assert.deepEqual([r.layerDepth, r.layerHeight, r.layerWidth], job.layer.dims.slice(2));
              checkMap(
                t,
                r.inputMap,
                expected.subarray(r.image * voxels, (r.image + 1) * voxels),
                `${job.method} image ${r.image} ${job.layer.role} '${job.layer.module}'`,
                {
                  ...base,
                  method: job.method,
                  role: job.layer.role,
                  path: 'api',
                },
              );
              assert.deepEqual(r.map, r.inputMap, 'a tensor input: the map is the input map');
            }
          }
        } finally {
          await ex.release();
        }
      });

      const nf = fx.nifti;
      if (nf)
        it(`NIfTI flow: ${nf.file} --intensity ${nf.intensity} → heatmap on its ${nf.grid.join('×')} grid vs torch (CLI and library)`, async (t) => {
          const expected = npy(nf.gradcam).data;
          const [ni, nj, nk] = nf.grid;
          const out = join(tempDir('gcam-zoo3d-nifti-'), 'out');
          const r = await runCli([
            'explain',
            join(DIR, nf.file),
            '--model',
            join(DIR, on.file),
            '--intensity',
            nf.intensity,
            '--out',
            out,
            '-q',
          ]);
          assert.equal(r.code, 0, r.stderr);
          const line = JSON.parse(readFileSync(join(out, 'manifest.jsonl'), 'utf8').trim()) as { class: number; files: string[] };
          assert.equal(line.class, nf.class, "predicted class = torch's");
          const raw = gunzipSync(new Uint8Array(readFileSync(line.files[0])));
          const buffer = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer;
          const h = readHeader(buffer)!;
          assert.deepEqual(h.dims.slice(0, 4), [3, ni, nj, nk]);
          h.affine
            .slice(0, 3)
            .flat()
            .forEach((v, i) => assert.ok(Math.abs(v - nf.affine.slice(0, 3).flat()[i]) < 1e-5, 'affine kept'));
          const image = new DataView(readImage(h, buffer));
          // The file stores i fastest; the reference is row-major [i][j][k].
          const got = Float32Array.from(expected, (_, p) => {
            const [i, j, k] = [Math.floor(p / (nj * nk)), Math.floor(p / nk) % nj, p % nk];
            return image.getFloat32(4 * (i + ni * (j + nj * k)), h.littleEndian);
          });
          checkMap(t, got, expected, `NIfTI heatmap (CLI) on ${nf.grid.join('×')}`, {
            ...base,
            method: 'gradcam',
            path: 'cli-nifti',
          });
          const ex = await createImageExplainer(model());
          try {
            const volume = readNifti(new Uint8Array(readFileSync(join(DIR, nf.file))), nf.file);
            const [res] = await ex.explain([{ volume: volume.data, dims: volume.dims, name: nf.file }], {
              intensity: nf.intensity,
              layers: ['layer4'],
            });
            assert.deepEqual([res.depth, res.height, res.width], nf.grid);
            checkMap(t, res.map, expected, `NIfTI volume map (library) on ${nf.grid.join('×')}`, {
              ...base,
              method: 'gradcam',
              path: 'api-nifti',
            });
          } finally {
            await ex.release();
          }
        });

      if (fx.variants?.length)
        it(`Grad-CAM with ${fx.variants.map((v) => v.flags.join(' ')).join(', ')} vs torch (API and CLI)`, async (t) => {
          const images = fx.targets.map((_, i) => ({ tensor: input.data.subarray(i * per, (i + 1) * per), dims: [c, ...size] }));
          const ex = await createImageExplainer(model());
          try {
            for (const v of fx.variants!) {
              const expected = npy(v.file).data;
              const what = `${v.method} ${v.flags.join(' ')} at ${v.layers.join(' + ')}`;
              const results = await ex.explain(images, { ...v.options, layers: v.layers, preprocess: 'none' });
              assert.equal(results.length, n);
              for (const r of results)
                checkMap(t, r.inputMap, expected.subarray(r.image * voxels, (r.image + 1) * voxels), `${what} image ${r.image}`, {
                  ...base,
                  method: what,
                  path: 'api',
                });
              await checkCliMaps(t, DIR, fx, on.file, { layers: v.layers, flags: v.flags }, expected, `${what} (CLI)`, {
                ...base,
                method: what,
                path: 'cli',
              });
            }
          } finally {
            await ex.release();
          }
        });

      it(`CLI --save-cam on the [${fx.inputShape.join(', ')}] .npy: every method at the usual layer (and the input) vs torch`, async (t) => {
        for (const job of jobs.filter((j) => j.layer.role !== 'early')) {
          const flags = ['--method', job.method];
          const what = `${job.method} ${job.layer.role} '${job.layer.module}' (CLI)`;
          await checkCliMaps(t, DIR, fx, on.file, { layers: [job.target], flags, dims: [n, ...size] }, npy(job.file).data, what, {
            ...base,
            method: job.method,
            path: 'cli',
          });
        }
      });
    });
  }
}
