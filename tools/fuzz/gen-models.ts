/**
 * Model cases: a small valid ONNX model from the repository, changed structurally through the repository's own
 * protobuf schema (dims, data types, external data, nodes, initializers, opsets) and/or at the byte level (flips,
 * truncation, splices), then given to `gcam explain`, `gcam info` or `gcam layers`.
 */
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { ModelProtoType } from '../../src/onnx/schema.js';
import type { ModelProto, TensorProto } from '../../src/onnx/types.js';
import { ROOT } from './paths.js';
import { Rng, seededBytes } from './rng.js';
import { BASE_MODELS, type BaseModel, type ByteMutation, type CliCase, type FileRecipe, type ModelMutation } from './types.js';

/** Dims that break assumptions: empty, unknown, sign, 32-bit overflow, and a size no buffer can hold. */
const HOSTILE_DIMS: (number | string)[] = [0, -1, 1, 2, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 40, 100000, 'N', ''];
/** ONNX data types, including ones gcam never reads (string, bool, bfloat16) and numbers that are no type at all. */
const DATA_TYPES = [0, 1, 2, 6, 7, 8, 9, 10, 11, 16, 17, 99, -1];
const OPSETS = [0, 1, 6, 7, 11, 13, 17, 21, 99, 2 ** 31, -1];

/**
 * External data locations. The traversing ones stay shallow (at most three levels) and name files the case makes:
 * the case's temporary folder is nested deeper than that (see exec.ts), so a gcam that followed them would still
 * stay inside the case folder. Absolute ones are read-only special files or paths inside the case.
 */
const LOCATIONS = [
  'w.bin',
  '../w.bin',
  '../../x',
  'sub/../w.bin',
  './w.bin',
  '{{CASE}}/w.bin',
  '/dev/zero',
  '/dev/null',
  '/dev/urandom',
  '/proc/self/status',
  '/nonexistent/w.bin',
  'dir',
  'fifo',
  'link-zero',
  '',
  'w.bin\u0000x',
  'ü😀.bin',
];

export const SPECIAL_LOCATIONS = new Set([
  '/dev/zero',
  '/dev/null',
  '/dev/urandom',
  '/proc/self/status',
  'fifo',
  'link-zero',
  'dir',
]);

function byteMutation(rng: Rng): ByteMutation {
  return rng.weighted<ByteMutation>([
    [4, { op: 'flip', seed: rng.seed(), count: rng.pick([1, 2, 8, 64]) }],
    [3, { op: 'truncate', fraction: rng.pick([0, 0.01, 0.1, 0.5, 0.9, 0.999]) }],
    [2, { op: 'splice', seed: rng.seed() }],
    [1, { op: 'insert', seed: rng.seed(), length: rng.pick([1, 7, 100]) }],
  ]);
}

function structural(rng: Rng): ModelMutation {
  const i = rng.int(0, 30);
  return rng.weighted<ModelMutation>([
    [3, { op: 'inputDim', input: 0, dim: rng.int(0, 4), value: rng.pick(HOSTILE_DIMS) }],
    [1, { op: 'outputDim', output: 0, dim: rng.int(0, 2), value: rng.pick(HOSTILE_DIMS) }],
    [
      2,
      {
        op: 'initDim',
        init: i,
        dim: rng.int(0, 3),
        value: rng.pick(HOSTILE_DIMS.filter((d) => typeof d === 'number')) as number,
      },
    ],
    [1, { op: 'inputType', input: 0, value: rng.pick(DATA_TYPES) }],
    [1, { op: 'initType', init: i, value: rng.pick(DATA_TYPES) }],
    [4, externalMutation(rng, i)],
    [2, { op: 'dropNode', node: i }],
    [1, { op: 'dupNode', node: i }],
    [1, { op: 'dropInit', init: i }],
    [1, { op: 'dupInit', init: i }],
    [
      2,
      {
        op: 'opset',
        value: rng.pick(OPSETS),
        ...(rng.chance(0.2) ? { domain: rng.pick(['ai.onnx', 'com.microsoft', 'x']) } : {}),
      },
    ],
    [1, { op: 'irVersion', value: rng.pick([0, 1, 3, 7, 10, 99, -1]) }],
    [1, { op: 'dropOutputs' }],
    [1, { op: 'renameInput', node: i, input: rng.int(0, 2), value: rng.pick(['', 'nope', 'input', 'logits']) }],
    [1, { op: 'attr', node: i, value: rng.pick([0, -1, 2 ** 31, 1e6]) }],
  ]);
}

function externalMutation(rng: Rng, init: number): ModelMutation {
  const location = rng.chance(0.15) ? undefined : rng.pick(LOCATIONS);
  const offset = rng.weighted<string | undefined>([
    [4, undefined],
    [1, '0'],
    [1, '-8'],
    [1, '1e30'],
    [1, '4294967296'],
    [1, 'abc'],
    [1, '3'],
  ]);
  const length = rng.weighted<string | undefined>([
    [4, undefined],
    [1, '0'],
    [1, '-1'],
    [1, '99999999999'],
    [1, 'NaN'],
  ]);
  // Where the data goes (relative to the case folder; the model is m/model.onnx): normally where the location points,
  // so the model is valid up to the hostile part and a traversal reaches a real file, sometimes nowhere.
  const file = location && rng.chance(0.8) ? dataFileFor(location) : undefined;
  return { op: 'external', init, location, offset, length, file, extraKeys: rng.chance(0.2) };
}

/** The case-relative file a location names from m/, when that stays inside the case and is an ordinary file. */
export function dataFileFor(location: string): string | undefined {
  if (SPECIAL_LOCATIONS.has(location) || location.includes('\u0000') || location === '') return undefined;
  if (location.startsWith('{{CASE}}/')) return location.slice('{{CASE}}/'.length);
  if (location.startsWith('/')) return undefined;
  const p = posix.normalize(posix.join('m', location));
  return p.startsWith('..') ? undefined : p;
}

/** The model sits one folder down, so that '../w.bin' can reach a file of the case (and nothing outside it). */
export const MODEL = 'm/model.onnx';

export function generateModelCase(rng: Rng, id: string): CliCase {
  const base = rng.weighted<BaseModel>([
    [3, 'shapes'],
    [2, 'resnet'],
    [1, 'mobilenet'],
    [1, 'vgg'],
  ]);
  const mutations: ModelMutation[] = [];
  const bytes: ByteMutation[] = [];
  const n = rng.int(1, 3);
  const byteLevel = rng.chance(0.35);
  for (let k = 0; k < n; k++) {
    if (byteLevel) bytes.push(byteMutation(rng));
    else mutations.push(structural(rng));
  }
  if (!byteLevel && rng.chance(0.1)) bytes.push(byteMutation(rng));
  const tags = modelTags(mutations);
  const files: Record<string, FileRecipe> = { [MODEL]: { type: 'model', base, mutations, bytes } };
  for (const m of mutations) if (m.op === 'external') addExternalCompanions(files, m);
  const command = rng.weighted<'explain' | 'info' | 'layers'>([
    [6, 'explain'],
    [2, 'info'],
    [2, 'layers'],
  ]);
  let argv: string[];
  if (command === 'explain') {
    files['img.png'] = {
      type: 'image',
      spec: { format: 'png', width: 48, height: 40, channels: 3, fill: 'noise', seed: rng.seed() },
    };
    argv = ['explain', 'img.png', '--model', MODEL, '--out', 'out'];
    if (rng.chance(0.3)) argv.push('--save-cam', 'cam.npy', '--json', 'summary.json');
  } else argv = [command, MODEL];
  const what = [...mutations.map(describeMutation), ...bytes.map((b) => b.op)].join(', ') || 'unchanged';
  return { id, kind: 'models', note: `${command} ${base}: ${what}`, tags, files, argv, expectOutputs: command === 'explain' };
}

export function modelTags(mutations: readonly ModelMutation[]): string[] {
  const tags = new Set<string>();
  for (const m of mutations) {
    // A fixed input of 2^16 or more pixels a side: the preprocessed input alone is gigabytes (or no array can hold it).
    if (m.op === 'inputDim' && m.dim >= 2 && typeof m.value === 'number' && m.value >= 2 ** 16) tags.add('huge-image');
    // A declared output shape that the graph does not produce (gcam builds its score reshape from the declaration).
    if (m.op === 'outputDim' && typeof m.value === 'number' && m.value !== 1) tags.add('declared-output-shape');
    if (m.op !== 'external') continue;
    if (m.location && (m.location.includes('..') || m.location.startsWith('/') || m.location.startsWith('{{CASE}}')))
      tags.add('ext-traversal');
    if (m.location && SPECIAL_LOCATIONS.has(m.location)) tags.add('special-file');
  }
  return [...tags];
}

/** The files a hostile location points at, so a traversal reaches something instead of failing on a missing file. */
export function addExternalCompanions(files: Record<string, FileRecipe>, m: Extract<ModelMutation, { op: 'external' }>): void {
  if (m.location === 'dir') files['m/dir'] = { type: 'dir' };
  if (m.location === 'fifo') files['m/fifo'] = { type: 'fifo' };
  if (m.location === 'link-zero') files['m/link-zero'] = { type: 'symlink', target: '/dev/zero' };
  if (m.location === 'sub/../w.bin') files['m/sub'] = { type: 'dir' };
}

function describeMutation(m: ModelMutation): string {
  const { op, ...rest } = m;
  return `${op}(${Object.values(rest)
    .map((v) => JSON.stringify(v))
    .join(',')})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Building a model recipe into bytes.

function at<T>(list: T[] | undefined, i: number): T | undefined {
  return list && list.length ? list[i % list.length] : undefined;
}

/** An initializer's data as little-endian bytes, whichever field holds it (for moving it to an external file). */
function tensorBytes(t: TensorProto): Uint8Array {
  if (t.raw_data && t.raw_data.length) return Uint8Array.from(t.raw_data);
  if (t.float_data?.length) return new Uint8Array(Float32Array.from(t.float_data).buffer);
  if (t.int32_data?.length) return new Uint8Array(Int32Array.from(t.int32_data).buffer);
  if (t.int64_data?.length) return new Uint8Array(BigInt64Array.from(t.int64_data.map((v) => BigInt(String(v)))).buffer);
  if (t.double_data?.length) return new Uint8Array(Float64Array.from(t.double_data).buffer);
  return new Uint8Array(0);
}

function setDim(dims: { dim_value?: unknown; dim_param?: string }[], i: number, value: number | string): void {
  while (dims.length <= i) dims.push({ dim_value: 1 });
  const d = dims[i] as Record<string, unknown>;
  delete d.dim_value;
  delete d.dim_param;
  if (typeof value === 'number') d.dim_value = value;
  else d.dim_param = value;
}

function applyMutation(model: ModelProto, m: ModelMutation, caseDir: string, extra: Record<string, Uint8Array>): void {
  const g = model.graph!;
  switch (m.op) {
    case 'inputDim':
    case 'outputDim': {
      const vi = at(m.op === 'inputDim' ? g.input : g.output, m.op === 'inputDim' ? m.input : m.output);
      const shape = vi?.type?.tensor_type?.shape;
      if (shape) setDim((shape.dim ??= []) as never, m.dim, m.value);
      return;
    }
    case 'initDim': {
      const t = at(g.initializer, m.init);
      if (t) {
        t.dims ??= [];
        while (t.dims.length <= m.dim) t.dims.push(1);
        t.dims[m.dim] = m.value;
      }
      return;
    }
    case 'inputType': {
      const tt = at(g.input, m.input)?.type?.tensor_type;
      if (tt) tt.elem_type = m.value;
      return;
    }
    case 'initType': {
      const t = at(g.initializer, m.init);
      if (t) t.data_type = m.value;
      return;
    }
    case 'external': {
      const t = at(g.initializer, m.init);
      if (!t) return;
      const data = tensorBytes(t);
      for (const k of ['raw_data', 'float_data', 'int32_data', 'int64_data', 'double_data'] as const) delete t[k];
      t.data_location = 1;
      const location = m.location?.replaceAll('{{CASE}}', caseDir);
      t.external_data = [
        ...(location !== undefined ? [{ key: 'location', value: location }] : []),
        ...(m.offset !== undefined ? [{ key: 'offset', value: m.offset }] : []),
        ...(m.length !== undefined ? [{ key: 'length', value: m.length }] : []),
        ...(m.extraKeys
          ? [
              { key: 'checksum', value: 'x' },
              { key: '', value: '' },
              { key: 'location', value: 'other.bin' },
            ]
          : []),
      ];
      if (m.file) {
        const off = Math.max(0, Number(m.offset ?? 0) || 0);
        const safeOff = off < 1 << 20 ? off : 0;
        const buf = new Uint8Array(safeOff + data.length);
        buf.set(data, safeOff);
        extra[m.file] = buf;
      }
      return;
    }
    case 'dropNode':
      if (g.node?.length) g.node.splice(m.node % g.node.length, 1);
      return;
    case 'dupNode':
      if (g.node?.length) g.node.splice(m.node % g.node.length, 0, g.node[m.node % g.node.length]);
      return;
    case 'dropInit':
      if (g.initializer?.length) g.initializer.splice(m.init % g.initializer.length, 1);
      return;
    case 'dupInit':
      if (g.initializer?.length) g.initializer.push(g.initializer[m.init % g.initializer.length]);
      return;
    case 'opset': {
      const o = at(model.opset_import as { domain?: string; version?: unknown }[], 0);
      if (o) {
        o.version = m.value;
        if (m.domain !== undefined) o.domain = m.domain;
      }
      return;
    }
    case 'irVersion':
      (model as { ir_version?: unknown }).ir_version = m.value;
      return;
    case 'dropOutputs':
      g.output = [];
      return;
    case 'renameInput': {
      const node = at(g.node, m.node);
      if (node?.input?.length) node.input[m.input % node.input.length] = m.value;
      return;
    }
    case 'attr': {
      const a = at(at(g.node, m.node)?.attribute, 0);
      if (!a) return;
      if (a.ints?.length) a.ints = a.ints.map(() => m.value);
      else if (a.i !== undefined) a.i = m.value;
      else if (a.f !== undefined) a.f = m.value;
      return;
    }
  }
}

function applyBytes(b: Uint8Array, m: ByteMutation): Uint8Array {
  if (b.length === 0) return b;
  switch (m.op) {
    case 'flip': {
      const out = Uint8Array.from(b);
      const r = new Rng(m.seed);
      for (let k = 0; k < m.count; k++) out[r.int(0, out.length - 1)] ^= 1 << r.int(0, 7);
      return out;
    }
    case 'truncate':
      return b.subarray(0, Math.floor(b.length * m.fraction));
    case 'splice': {
      const r = new Rng(m.seed);
      const len = r.int(1, Math.min(256, b.length));
      const from = r.int(0, b.length - len);
      const to = r.int(0, b.length - len);
      const out = Uint8Array.from(b);
      out.set(b.subarray(from, from + len), to);
      return out;
    }
    case 'insert': {
      const r = new Rng(m.seed);
      const pos = r.int(0, b.length);
      const out = new Uint8Array(b.length + m.length);
      out.set(b.subarray(0, pos));
      out.set(seededBytes(m.seed, m.length), pos);
      out.set(b.subarray(pos), pos + m.length);
      return out;
    }
  }
}

/** The model's bytes and any external data files it names (file name → bytes, in the case folder). */
export function buildModel(
  recipe: Extract<FileRecipe, { type: 'model' }>,
  caseDir: string,
): { bytes: Uint8Array; extra: Record<string, Uint8Array> } {
  let bytes: Uint8Array = readFileSync(join(ROOT, BASE_MODELS[recipe.base]));
  const extra: Record<string, Uint8Array> = {};
  if (recipe.mutations?.length) {
    const model = ModelProtoType.decode(bytes) as unknown as ModelProto;
    for (const m of recipe.mutations) applyMutation(model, m, caseDir, extra);
    bytes = ModelProtoType.encode(model as never).finish();
  }
  for (const m of recipe.bytes ?? []) bytes = applyBytes(bytes, m);
  return { bytes, extra };
}
