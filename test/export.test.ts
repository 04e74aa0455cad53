/**
 * `gcam export`: the exported model, run by runtimes other than the one that built it (a fresh onnxruntime-node
 * InferenceSession, and onnxruntime-web's wasm under Node), gives the library's maps: `heatmap` = inputMap and
 * `layer_map` = layerMap within 1e-5, for the predicted class (−1) and a chosen one, at batch 1 and 8, for every
 * exportable method, on the three PyTorch fixtures and on the real SqueezeNet 1.1. The library's maps are computed here
 * by its own code path (ImageExplainer.explain, JavaScript post-processing), never taken from an earlier export.
 * Also: the ONNX checker with full_check, the CLI (files, Triton repository, exit codes) and the refusals.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import {
  createImageExplainer,
  EXPORT_METHODS,
  exportExplainModel,
  loadModel,
  nodeRuntime,
  tritonConfig,
  type DecodedModel,
  type ExportMethod,
  type ExplainResult,
  type ImageExplainer,
} from '../src/node.js';
import { finalizeMaps } from '../src/cam/postprocess.js';
import { finishGraph } from '../src/export/finish-graph.js';
import { appendToModel } from '../src/onnx/append.js';
import { GraphBuilder } from '../src/onnx/builder.js';
import { GraphView } from '../src/onnx/graph.js';
import { DataType } from '../src/onnx/schema.js';
import { runCli, runCliProcess, tempDir } from './helpers/cli.js';
import { worstError } from './helpers/compare.js';
import { caffeTensor, fixtureImage, loadE2eFixtures, withFreeSpatialDims } from './helpers/explain-inputs.js';
import { parsePbtxt, type PbMessage } from './helpers/pbtxt.js';
import { needsShared, sharedPath, SQUEEZENET } from './helpers/shared.js';
import { tinyModel } from './helpers/tiny-model.js';

ortWeb.env.wasm.numThreads = 1;

/** Max |export − library| on maps in [0, 1]. */
const TOL = 1e-5;
const BATCH = 8;

interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { dims: readonly number[]; data: unknown }>>;
  release(): Promise<void>;
}
type OrtLike = {
  InferenceSession: { create(bytes: Uint8Array): Promise<OrtSessionLike> };
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => unknown;
};
const RUNTIMES: [string, OrtLike][] = [
  ['onnxruntime-node', ortNode as unknown as OrtLike],
  ['onnxruntime-web', ortWeb as unknown as OrtLike],
];

interface Case {
  name: string;
  path: string;
  skip?: string;
  /** BATCH model inputs [C, H, W]. */
  images: () => Promise<Float32Array[]>;
  dims: number[];
  numClasses: number;
  layer?: string;
}

/** The fixture's two images and six variants of them (scaled, shifted, mirrored): eight different inputs. */
function fixtureBatch(fx: ReturnType<typeof loadE2eFixtures>[number]): Float32Array[] {
  const [, c, h, w] = fx.inputShape;
  return Array.from({ length: BATCH }, (_, k) => {
    const src = fixtureImage(fx, k % 2);
    if (k < 2) return src;
    const out = new Float32Array(src.length);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const from = k % 3 === 0 ? w - 1 - x : x;
          out[(ch * h + y) * w + x] = src[(ch * h + y) * w + from] * (0.7 + 0.1 * k) + 0.05 * (k - 4) * Math.sin(x + y * k);
        }
    return out;
  });
}

const PHOTOS = ['chelsea', 'coffee', 'astronaut', 'fish', 'rocket', 'kitten_224', 'retina'];

/** Seven photos in SqueezeNet's Caffe form and the first mirrored. */
async function photoBatch(): Promise<Float32Array[]> {
  const xs = await Promise.all(PHOTOS.map((p) => caffeTensor(`${p}.png`)));
  const mirrored = new Float32Array(xs[0].length);
  for (let row = 0; row < 3 * 224; row++) for (let x = 0; x < 224; x++) mirrored[row * 224 + x] = xs[0][row * 224 + 223 - x];
  return [...xs, mirrored];
}

const CASES: Case[] = [
  ...loadE2eFixtures().map((fx) => ({
    name: `${fx.model} fixture`,
    path: fx.onnxPath,
    images: async () => fixtureBatch(fx),
    dims: fx.inputShape.slice(1),
    numClasses: fx.numClasses,
  })),
  {
    name: 'SqueezeNet 1.1',
    path: sharedPath(SQUEEZENET) ?? '',
    skip: needsShared(SQUEEZENET).skip,
    images: photoBatch,
    dims: [3, 224, 224],
    numClasses: 1000,
    layer: 'fire9/concat_1',
  },
];

/** A class for image n that is not (usually) its predicted one. */
const chosenClass = (n: number, k: number) => (3 * n + 1) % k;

/** max |actual − expected| ≤ TOL; a constant map (no signal: the library returns zeros) must be zeros here too. */
function assertMap(actual: Float32Array, expected: Float32Array, what: string): number {
  const { worst, at } = worstError(actual, expected, what);
  assert.ok(worst <= TOL, `${what}: max error ${worst} at ${at} (export ${actual[at]}, library ${expected[at]})`);
  return worst;
}

const stack = (xs: Float32Array[]) => {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  xs.forEach((x, i) => out.set(x, i * x.length));
  return out;
};

for (const c of CASES) {
  describe(`gcam export on the ${c.name}`, { skip: c.skip }, () => {
    let ex: ImageExplainer;
    let decoded: DecodedModel;
    let images: Float32Array[];
    before(async () => {
      decoded = loadModel(c.path);
      ex = await createImageExplainer(decoded);
      images = await c.images();
    });
    after(async () => ex?.release());

    const library = (method: ExportMethod, classes?: number[]): Promise<ExplainResult[]> =>
      ex.explain(
        images.map((tensor, i) => ({ tensor, dims: c.dims, name: `#${i}` })),
        {
          preprocess: 'none',
          method,
          layers: c.layer ? [c.layer] : undefined,
          ...(classes ? { classesPerImage: classes.map((k) => [k]) } : {}),
        },
      );

    for (const method of EXPORT_METHODS) {
      it(`${method}: heatmap and layer_map equal the library's on both runtimes, batch 1 and ${BATCH}`, async (t) => {
        const exported = await exportExplainModel(nodeRuntime(), decoded, { method, layer: c.layer });
        const predicted = await library(method);
        const chosen = await library(
          method,
          images.map((_, n) => chosenClass(n, c.numClasses)),
        );
        assert.ok(
          predicted.some((r, n) => r.classIndex !== chosen[n].classIndex),
          'the chosen classes are all the predicted ones: -1 and a class would not be told apart',
        );
        const [image] = exported.inputs;
        const scoreOutput = exported.outputs[0].name;
        for (const [runtime, ort] of RUNTIMES) {
          const session = await ort.InferenceSession.create(exported.bytes);
          try {
            const run = async (rows: number[], targets: bigint[]) => {
              const x = stack(rows.map((n) => images[n]));
              return session.run({
                [image.name]: new ort.Tensor('float32', x, [rows.length, ...c.dims]),
                target_class: new ort.Tensor('int64', BigInt64Array.from(targets), [rows.length]),
              });
            };
            let worstHeat = 0;
            let worstLayer = 0;
            let blank = 0;
            const check = (out: Awaited<ReturnType<typeof run>>, row: number, expected: ExplainResult, what: string) => {
              const heat = out.heatmap.data as Float32Array;
              const layer = out.layer_map.data as Float32Array;
              const [hw, lhw] = [expected.inputMap.length, expected.layerMap.length];
              if (expected.constant) blank++;
              assert.deepEqual(out.heatmap.dims.slice(1), [expected.inputHeight, expected.inputWidth], `${what}: heatmap dims`);
              assert.deepEqual(
                out.layer_map.dims.slice(1),
                [expected.layerHeight, expected.layerWidth],
                `${what}: layer_map dims`,
              );
              worstHeat = Math.max(
                worstHeat,
                assertMap(heat.subarray(row * hw, (row + 1) * hw), expected.inputMap, `${what} heatmap`),
              );
              worstLayer = Math.max(
                worstLayer,
                assertMap(layer.subarray(row * lhw, (row + 1) * lhw), expected.layerMap, `${what} layer_map`),
              );
              // −1 explains the class with the highest score in the model's own output.
              const k = c.numClasses;
              const scores = (out[scoreOutput].data as Float32Array).subarray(row * k, (row + 1) * k);
              if (expected === predicted[expected.image])
                assert.equal(scores.indexOf(Math.max(...scores)), expected.classIndex, `${what}: predicted class`);
            };
            check(await run([0], [-1n]), 0, predicted[0], `${runtime} batch 1, class -1`);
            check(
              await run([0], [BigInt(chosen[0].classIndex)]),
              0,
              chosen[0],
              `${runtime} batch 1, class ${chosen[0].classIndex}`,
            );
            // Batch 8, predicted and chosen classes interleaved.
            const rows = images.map((_, n) => n);
            const expected = rows.map((n) => (n % 2 ? chosen[n] : predicted[n]));
            const out = await run(
              rows,
              expected.map((r, n) => (n % 2 ? BigInt(r.classIndex) : -1n)),
            );
            assert.deepEqual(out.heatmap.dims, [BATCH, ...c.dims.slice(1)]);
            rows.forEach((n) => check(out, n, expected[n], `${runtime} batch ${BATCH}, row ${n}`));
            // Blank maps (a class with no positive evidence) are compared too, but must not be all there is.
            assert.ok(blank <= 2, `${blank} of ${BATCH + 2} maps are constant: the comparison would prove little`);
            t.diagnostic(
              `${method} on ${runtime}: max |heatmap − inputMap| ${worstHeat.toExponential(2)}, |layer_map − layerMap| ${worstLayer.toExponential(2)}`,
            );
          } finally {
            await session.release();
          }
        }
      });
    }

    it("keeps the model's own outputs (a plain session of the original model gives the same scores)", async () => {
      const exported = await exportExplainModel(nodeRuntime(), decoded, { layer: c.layer });
      const [original, explaining] = await Promise.all([
        ortNode.InferenceSession.create(readFileSync(c.path)),
        ortNode.InferenceSession.create(exported.bytes),
      ]);
      try {
        const x = new ortNode.Tensor('float32', images[0], [1, ...c.dims]);
        const name = exported.outputs[0].name;
        const plain = (await original.run({ [exported.inputs[0].name]: x }))[name].data as Float32Array;
        const out = (
          await explaining.run({ [exported.inputs[0].name]: x, target_class: new ortNode.Tensor('int64', [-1n], [1]) })
        )[name].data as Float32Array;
        const { worst, maxExpected } = worstError(out, plain, 'scores');
        assert.ok(worst <= 1e-5 * Math.max(1, maxExpected), `scores differ by ${worst}`);
      } finally {
        await Promise.all([original.release(), explaining.release()]);
      }
    });
  });
}

describe('gcam export: contract details', () => {
  const [resnet] = loadE2eFixtures().filter((f) => f.model === 'resnet');

  it("extends the user's bytes: a dynamic-batch model at an opset the export needs is its original bytes plus a fragment", async () => {
    const original = readFileSync(resnet.onnxPath);
    const exported = await exportExplainModel(nodeRuntime(), loadModel(resnet.onnxPath));
    assert.ok(exported.bytes.length > original.length);
    assert.deepEqual(exported.bytes.subarray(0, original.length), new Uint8Array(original));
  });

  it('a target_class outside the classes gives an all-zero heatmap (no class explained), not another class', async () => {
    const exported = await exportExplainModel(nodeRuntime(), loadModel(resnet.onnxPath));
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      const x = new ortNode.Tensor('float32', stack([fixtureImage(resnet, 0), fixtureImage(resnet, 1)]), [2, 3, 64, 64]);
      const out = await session.run({ input: x, target_class: new ortNode.Tensor('int64', [10n, -2n], [2]) });
      assert.ok((out.heatmap.data as Float32Array).every((v) => v === 0));
      assert.ok((out.layer_map.data as Float32Array).every((v) => v === 0));
    } finally {
      await session.release();
    }
  });

  it('reads a channels-last layer as the library does (transposed in the graph)', async () => {
    const w = Array.from({ length: 4 * 9 }, (_, i) => Math.cos(i * 1.3) * 0.6);
    const model = tinyModel({
      inputs: [{ name: 'x', dims: ['N', 1, 8, 8] }],
      outputs: ['logits'],
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['feat'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { op: 'Transpose', inputs: ['feat'], outputs: ['nhwc'], attrs: { perm: [0, 2, 3, 1] } },
        { op: 'Relu', inputs: ['nhwc'], outputs: ['act'] },
        { op: 'ReduceMean', inputs: ['act'], outputs: ['logits'], attrs: { axes: [1, 2], keepdims: 0 } },
      ],
      initializers: [{ name: 'w', dims: [4, 1, 3, 3], values: w }],
    });
    const x = Float32Array.from({ length: 2 * 64 }, (_, i) => Math.sin(i * 0.37) + (i % 7) / 7);
    const images = [0, 1].map((n) => ({ tensor: x.slice(n * 64, (n + 1) * 64), dims: [1, 8, 8] }));
    const ex = await createImageExplainer(model);
    try {
      for (const method of ['gradcam', 'hirescam'] as const) {
        const expected = await ex.explain(images, { preprocess: 'none', method, layers: ['act'], classes: [1] });
        const exported = await exportExplainModel(nodeRuntime(), loadModel(model), { method, layer: 'act' });
        const session = await ortNode.InferenceSession.create(exported.bytes);
        const out = await session.run({
          x: new ortNode.Tensor('float32', x, [2, 1, 8, 8]),
          target_class: new ortNode.Tensor('int64', [1n, 1n], [2]),
        });
        await session.release();
        assert.deepEqual(out.layer_map.dims, [2, 8, 8]);
        const layerMaps = stack(expected.map((r) => r.layerMap));
        assert.ok(
          layerMaps.some((v) => v > 0 && v < 1),
          'the library map varies',
        );
        assertMap(out.layer_map.data as Float32Array, layerMaps, `${method} layer_map`);
        assertMap(out.heatmap.data as Float32Array, stack(expected.map((r) => r.inputMap)), `${method} heatmap`);
      }
    } finally {
      await ex.release();
    }
  });

  it('a model with free height/width gives maps at the size it is fed, equal to the library at that size', async () => {
    const free = withFreeSpatialDims(readFileSync(resnet.onnxPath));
    const exported = await exportExplainModel(nodeRuntime(), loadModel(free), { method: 'gradcam', size: 96 });
    assert.deepEqual(exported.outputs.find((o) => o.name === 'heatmap')!.dims, ['batch', 'height', 'width']);
    const session = await ortNode.InferenceSession.create(exported.bytes);
    try {
      for (const size of [96, 80]) {
        const x = Float32Array.from({ length: 3 * size * size }, (_, i) => Math.sin(i * 0.013) * 2 + Math.cos(i * 0.7));
        const ex = await createImageExplainer(free, { size });
        const [expected] = await ex.explain([{ tensor: x, dims: [3, size, size] }], { preprocess: 'none', method: 'gradcam' });
        await ex.release();
        const out = await session.run({
          input: new ortNode.Tensor('float32', x, [1, 3, size, size]),
          target_class: new ortNode.Tensor('int64', [-1n], [1]),
        });
        assert.deepEqual(out.heatmap.dims, [1, size, size]);
        assert.deepEqual(out.layer_map.dims, [1, expected.layerHeight, expected.layerWidth]);
        assertMap(out.heatmap.data as Float32Array, expected.inputMap, `${size}×${size} heatmap`);
        assertMap(out.layer_map.data as Float32Array, expected.layerMap, `${size}×${size} layer_map`);
      }
    } finally {
      await session.release();
    }
  });

  it('refuses a fixed-batch model that does not run at another batch, and the methods it cannot export', async () => {
    const fixed = tinyModel({
      inputs: [{ name: 'x', dims: [1, 1, 4, 4] }],
      outputs: ['logits'],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['a'], name: 'relu' },
        { op: 'Reshape', inputs: ['a', 'shape'], outputs: ['logits'], name: 'flat' },
      ],
      initializers: [{ name: 'shape', dims: [2], values: [1, -1], dataType: 7 }],
    });
    await assert.rejects(exportExplainModel(nodeRuntime(), loadModel(fixed), { layer: 'a' }), {
      name: 'InvalidModelError',
      message: /fixed batch of 1 and does not run at batch 2/,
    });
    for (const method of ['scorecam', 'ablationcam', 'eigencam', 'eigengradcam', 'saliency', 'guidedgradcam'])
      await assert.rejects(exportExplainModel(nodeRuntime(), loadModel(resnet.onnxPath), { method: method as ExportMethod }), {
        name: 'InvalidOptionError',
        message: new RegExp(`'${method}' cannot be exported: .*Exportable: gradcam, `),
      });
  });
});

/** Debian's python3-onnx, when installed. */
const PYTHON = '/usr/bin/python3';
const pythonOnnx = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { encoding: 'utf8' }).status === 0;

describe('onnx.checker on exported models', { skip: pythonOnnx ? false : 'python3-onnx is not installed' }, () => {
  it('passes check_model(full_check=True) and strict shape inference gives heatmap [N, H, W]', async (t) => {
    const dir = tempDir();
    const models: [string, string, { method: ExportMethod; layer?: string }][] = [
      ['resnet-gradcampp.onnx', loadE2eFixtures().find((f) => f.model === 'resnet')!.onnxPath, { method: 'gradcam++' }],
      ['vgg-xgradcam.onnx', loadE2eFixtures().find((f) => f.model === 'vgg')!.onnxPath, { method: 'xgradcam' }],
    ];
    const squeezenet = sharedPath(SQUEEZENET);
    if (squeezenet) models.push(['squeezenet-layercam.onnx', squeezenet, { method: 'layercam', layer: 'fire9/concat_1' }]);
    else t.diagnostic(`SqueezeNet skipped: ../shared/${SQUEEZENET} is missing`);
    for (const [file, path, options] of models) {
      const exported = await exportExplainModel(nodeRuntime(), loadModel(path), options);
      writeFileSync(join(dir, file), exported.bytes);
    }
    const script = `
import json, sys, onnx
out = {}
for path in sys.argv[1:]:
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(m, check_type=True, strict_mode=True)
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
    out[path] = {"inputs": [(i.name, dims(i)) for i in inferred.graph.input],
                 "outputs": [(o.name, dims(o)) for o in inferred.graph.output],
                 "domains": sorted({n.domain for n in m.graph.node})}
print(json.dumps(out))
`;
    const r = spawnSync(PYTHON, ['-c', script, ...models.map(([f]) => join(dir, f))], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Record<
      string,
      { inputs: [string, unknown[]][]; outputs: [string, unknown[]][]; domains: string[] }
    >;
    for (const [file] of models) {
      const m = report[join(dir, file)];
      assert.deepEqual(m.domains, [''], `${file}: only ai.onnx ops`);
      assert.equal(m.inputs[m.inputs.length - 1][0], 'target_class');
      const heat = m.outputs.find(([n]) => n === 'heatmap')!;
      assert.equal(typeof heat[1][0], 'string', `${file}: dynamic batch`);
      assert.deepEqual(heat[1].slice(1), file.startsWith('squeezenet') ? [224, 224] : [64, 64]);
    }
  });
});

describe('gcam export (CLI)', () => {
  const model = loadE2eFixtures().find((f) => f.model === 'resnet')!.onnxPath;

  it('-o writes the exported model; --triton writes DIR/<name>/1/model.onnx and a config.pbtxt that parses', async () => {
    const dir = tempDir();
    const out = join(dir, 'explain.onnx');
    const repo = join(dir, 'repo');
    const run = await runCli(['export', model, '--method', 'layercam', '-o', out, '--triton', repo, '--max-batch-size', '16']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /layercam at layer/);
    const bytes = readFileSync(out);
    assert.deepEqual(readFileSync(join(repo, 'resnet', '1', 'model.onnx')), bytes);
    const decoded = loadModel(new Uint8Array(bytes));
    assert.deepEqual(
      decoded.proto.graph!.output!.map((o) => o.name),
      ['logits', 'heatmap', 'layer_map'],
    );
    const config = parsePbtxt(readFileSync(join(repo, 'resnet', 'config.pbtxt'), 'utf8'));
    assert.deepEqual(config.name, ['resnet']);
    assert.deepEqual(config.platform, ['onnxruntime_onnx']);
    assert.deepEqual(config.max_batch_size, [16]);
    assert.ok(config.dynamic_batching, 'dynamic_batching');
    const entries = (field: string) => (config[field][0] as PbMessage[]).map((m) => [m.name[0], m.data_type[0], m.dims[0]]);
    assert.deepEqual(entries('input'), [
      ['input', 'TYPE_FP32', [3, 64, 64]],
      ['target_class', 'TYPE_INT64', [1]],
    ]);
    assert.deepEqual((config.input[0] as PbMessage[])[1].reshape, [{ shape: [[]] }]);
    assert.deepEqual(entries('output'), [
      ['logits', 'TYPE_FP32', [10]],
      ['heatmap', 'TYPE_FP32', [64, 64]],
      ['layer_map', 'TYPE_FP32', [8, 8]],
    ]);
    // The library's text for the same export is what was written.
    const exported = await exportExplainModel(nodeRuntime(), loadModel(model), { method: 'layercam' });
    assert.equal(readFileSync(join(repo, 'resnet', 'config.pbtxt'), 'utf8'), tritonConfig(exported, 'resnet', 16));
  });

  it('bad input exits 2 with a message naming it, before anything is written', async () => {
    const dir = tempDir();
    const out = join(dir, 'x.onnx');
    const cases: [string[], RegExp][] = [
      [['export', model, '-o', out, '--method', 'scorecam'], /--method 'scorecam' cannot be exported: it needs one forward run/],
      [
        ['export', model, '-o', out, '--method', 'gradcam+'],
        /--method must be one of gradcam, gradcam\+\+, .* to export; got 'gradcam\+'/,
      ],
      [['export', model, '-o', out, '--layer', 'layer9'], /Layer 'layer9' was not found/],
      [['export', model, '-o', dir], /--output: '.*' is a folder, not a file/],
      [['export', model], /needs -o FILE.onnx, --triton DIR, or both/],
      [['export', model, '-o', out, '--layer', 'layer1', '--layer', 'layer2'], /explains one layer/],
      [['export', model, '-o', out, '--max-batch-size', '4'], /use it with --triton/],
      [['export', join(dir, 'missing.onnx'), '-o', out], /missing\.onnx/],
    ];
    for (const [argv, message] of cases) {
      const run = await runCli(argv);
      assert.equal(run.code, 2, `${argv.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message, argv.join(' '));
      assert.ok(!existsSync(out), `${argv.join(' ')} wrote ${out}`);
    }
    // A Triton destination that cannot be written fails the whole run at its start: -o is not written either.
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'resnet', 'config.pbtxt'), { recursive: true });
    const run = runCliProcess(['export', model, '-o', out, '--triton', repo]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /--triton: '.*config\.pbtxt' is a folder/);
    assert.ok(!existsSync(out));
    assert.ok(statSync(join(repo, 'resnet', 'config.pbtxt')).isDirectory());
  });
});

describe("the export's finish graph (finish-graph.ts) against the library's finalizeMaps", () => {
  /** A model raw [N, h, w], image [N, 1, H, W] → finishGraph's two outputs, at the given opset. */
  async function finishModel(opset: number, h: number, w: number, H: number, W: number) {
    const base = tinyModel({
      opset,
      inputs: [
        { name: 'raw', dims: ['N', h, w] },
        { name: 'image', dims: ['N', 1, H, W] },
      ],
      outputs: ['echo'],
      nodes: [{ op: 'Identity', inputs: ['image'], outputs: ['echo'] }],
    });
    const decoded = loadModel(base);
    const b = new GraphBuilder(opset, new GraphView(decoded.proto).usedNames());
    const { layerMap, heatmap } = finishGraph(b, 'raw', 'image');
    b.namedOutput('heatmap', heatmap, DataType.FLOAT);
    b.namedOutput('layer_map', layerMap, DataType.FLOAT);
    return ortNode.InferenceSession.create(appendToModel(decoded.bytes, decoded.proto, b));
  }

  it('matches on odd sizes, both borders, signed and tiny-scale maps and constant ones (zeros), at opsets 11 and 18', async () => {
    let s = 99;
    const noise = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    for (const opset of [11, 18])
      for (const [h, w, H, W] of [
        [3, 5, 7, 11],
        [5, 3, 224, 100],
        [13, 13, 224, 224],
        [4, 4, 4, 4],
      ]) {
        const per = h * w;
        const rows = [
          Float32Array.from({ length: per }, noise), // signed: ReLU then min-max
          Float32Array.from({ length: per }, () => noise() * 1e-30), // tiny but genuine: still spans [0, 1]
          new Float32Array(per).fill(0.25), // constant: zeros
          Float32Array.from({ length: per }, (_, p) => 0.5 + (p === per - 1 ? 1e-8 : 0)), // within the relative guard
          Float32Array.from({ length: per }, (_, p) => (p === 0 || p === per - 1 ? 1 : 0)), // peaks in the corners
        ];
        const raw = stack(rows);
        const n = rows.length;
        const session = await finishModel(opset, h, w, H, W);
        const out = await session.run({
          raw: new ortNode.Tensor('float32', raw, [n, h, w]),
          image: new ortNode.Tensor('float32', new Float32Array(n * H * W), [n, 1, H, W]),
        });
        await session.release();
        const expected = finalizeMaps({ data: raw, dims: [n, h, w] }, H, W);
        const what = `opset ${opset}, ${h}×${w} → ${H}×${W}`;
        assert.deepEqual(out.heatmap.dims, [n, H, W], what);
        assert.ok(worstError(out.layer_map.data as Float32Array, expected.layer.data).worst <= TOL, `${what}: layer_map`);
        assert.ok(worstError(out.heatmap.data as Float32Array, expected.data).worst <= TOL, `${what}: heatmap`);
        assert.deepEqual(expected.constant, [false, false, true, true, false], `${what}: the cases are what they claim`);
      }
  });
});
