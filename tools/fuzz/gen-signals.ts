/**
 * Signal cases: 1-D `.npy` signals ([N, C, L], [C, L], [L]) that lie — lengths 0, 1, shorter than the model's
 * kernel or huge, the wrong channel count, ranks 4 and 5, NaN and infinite values, dtypes gcam does not read —
 * explained with a tiny 1-D classifier built here with gcam's own ONNX schema (so no fixture is committed): Conv
 * (5 taps) → Relu → MaxPool 4 → GlobalAveragePool → Flatten → Gemm, with a fixed or a symbolic length.
 */
import { DataType, ModelProtoType } from '../../src/onnx/schema.js';
import { makeTensor } from '../../src/onnx/tensor.js';
import { Rng } from './rng.js';
import type { CliCase, FileRecipe, NpySpec, SignalModelSpec } from './types.js';

const dim = (d: number | string) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d });

/** The model of a recipe: the same bytes for the same (channels, length); weights are fixed sines. */
export function buildSignalModel({ channels, length }: SignalModelSpec): Uint8Array {
  const f = (name: string, dims: number[], values: number[]) => makeTensor(name, DataType.FLOAT, dims, values);
  const node = (op_type: string, input: string[], output: string[], attribute: object[] = []) => ({
    name: `${op_type}_${output[0]}`,
    op_type,
    input,
    output,
    attribute,
  });
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  const io = (name: string, dims: (number | string)[]) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map(dim) } } },
  });
  const model = {
    ir_version: 8,
    producer_name: 'gcam-fuzz',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'signal',
      node: [
        node('Conv', ['x', 'w', 'b'], ['c'], [ints('kernel_shape', [5]), ints('pads', [2, 2])]),
        node('Relu', ['c'], ['r']),
        node('MaxPool', ['r'], ['p'], [ints('kernel_shape', [4]), ints('strides', [4])]),
        node('GlobalAveragePool', ['p'], ['g']),
        node('Flatten', ['g'], ['fl']),
        node('Gemm', ['fl', 'fc', 'fb'], ['y'], [{ name: 'transB', type: 2, i: 1 }]),
      ],
      initializer: [
        f(
          'w',
          [4, channels, 5],
          Array.from({ length: 20 * channels }, (_, i) => Math.sin(i * 1.3)),
        ),
        f('b', [4], [0.1, -0.2, 0.05, 0]),
        f('fc', [2, 4], [1, -0.5, 0.3, 0.2, -0.7, 0.8, 0.2, -0.1]),
        f('fb', [2], [0, 0.1]),
      ],
      input: [io('x', ['N', channels, length])],
      output: [io('y', ['N', 2])],
    },
  };
  return ModelProtoType.encode(ModelProtoType.fromObject(model)).finish();
}

const shapeText = (d: number[]) => (d.length === 1 ? `${d[0]},` : d.join(', '));
const count = (d: number[]) => d.reduce((a, b) => a * b, 1);

type Lie = (dims: number[], spec: NpySpec, model: SignalModelSpec, rng: Rng) => string;

const LIES: [number, Lie][] = [
  [
    3,
    (dims, spec, model, rng) => {
      const L = rng.pick([0, 1, 2, 3, 4, 7, 100_000, 1_000_000]);
      dims[dims.length - 1] = L;
      return `length ${L}`;
    },
  ],
  [
    1,
    (dims, spec, model, rng) => {
      const L = rng.pick([2 ** 31, 2 ** 40, 1e300]);
      dims[dims.length - 1] = L;
      spec.shape = shapeText(dims);
      spec.elements = 1024; // the data of a short signal behind a shape that claims billions
      return `length ${L} claimed`;
    },
  ],
  [
    2,
    (dims, spec, model, rng) => {
      if (dims.length === 1) dims.unshift(1);
      const c = rng.pick([0, 2, 4, 64, model.channels + 1].filter((x) => x !== model.channels));
      dims[dims.length - 2] = c;
      return `${c} channels for a ${model.channels}-channel model`;
    },
  ],
  [
    2,
    (dims, spec, model, rng) => {
      const r = rng.pick([4, 5]);
      while (dims.length < r) dims.unshift(1);
      if (rng.chance(0.5)) dims[0] = 2;
      return `rank ${r}`;
    },
  ],
  [
    2,
    (dims, spec, model, rng) => {
      spec.values = rng.pick(['nan', 'inf', 'some-nan', 'huge', 'zero'] as const);
      return `values ${spec.values}`;
    },
  ],
  [
    2,
    (dims, spec, model, rng) => {
      spec.descr = rng.pick(['<f8', '<i4', '|u1', '<f2', '>f4', '<i8', '|b1', '<c8']);
      return `dtype ${spec.descr}`;
    },
  ],
  [
    1,
    (dims, spec, model, rng) => {
      // An empty batch, or a big one (100 plots: a few seconds; 1000 took over the 20 s limit, work and no hang).
      if (dims.length === 1 || rng.chance(0.5)) dims.unshift(rng.pick([0, 3]));
      else dims[0] = rng.pick([0, 100]);
      return `batch [${dims.join(', ')}]`;
    },
  ],
];

export function generateSignalCase(rng: Rng, id: string): CliCase {
  const model: SignalModelSpec = {
    channels: rng.pick([1, 1, 3, 12]),
    length: rng.weighted<number | string>([
      [3, 'L'],
      [2, rng.pick([120, 256])],
    ]),
  };
  const L = typeof model.length === 'number' ? model.length : rng.pick([64, 120, 500]);
  const dims = rng.weighted<number[]>([
    [3, [model.channels, L]],
    [3, [rng.int(1, 3), model.channels, L]],
    [model.channels === 1 ? 2 : 0, [L]],
  ]);
  const spec: NpySpec = { major: 1, descr: '<f4', shape: '', elements: 0, seed: rng.seed() };
  const what: string[] = [];
  const n = rng.weighted([
    [2, 0],
    [6, 1],
    [2, 2],
  ]);
  for (let k = 0; k < n; k++) what.push(rng.weighted(LIES)(dims, spec, model, rng));
  if (!spec.shape) {
    spec.shape = shapeText(dims);
    // Written as the shape says (up to 16 Mi values, 64 MiB): beyond that the file is short, which must be refused.
    spec.elements = Math.min(count(dims), 1 << 24);
  }
  const files: Record<string, FileRecipe> = {
    'sig.onnx': { type: 'signalModel', spec: model },
    's.npy': { type: 'npy', spec },
  };
  const argv = ['explain', 's.npy', '--model', 'sig.onnx'];
  if (typeof model.length === 'string' ? rng.chance(0.85) : rng.chance(0.15))
    argv.push('--size', String(rng.chance(0.8) ? L : rng.pick([0, 1, 3, 2 ** 31, 100_000])));
  if (rng.chance(0.5)) argv.push('--intensity', rng.pick(['none', 'zscore', 'percentile:1,99', 'range:-1,1', 'ct:40,400']));
  if (rng.chance(0.15)) argv.push('--method', rng.pick(['gradcam++', 'layercam', 'scorecam', 'ablationcam']));
  if (rng.chance(0.2)) argv.push('--figure');
  argv.push('--out', 'out');
  if (rng.chance(0.3)) argv.push('--save-cam', 'cam.npy', '--json', 'summary.json');
  const note = `signal [${spec.shape}] ${spec.descr} for a [N, ${model.channels}, ${model.length}] model: ${what.join('; ') || 'valid'}`;
  return { id, kind: 'signals', note, tags: [], files, argv, expectOutputs: true };
}
