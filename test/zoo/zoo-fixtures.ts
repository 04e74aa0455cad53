/**
 * The torchvision zoo written by tools/gen_zoo.py (cached in .cache/zoo, or $GCAM_ZOO_DIR): models, inputs and torch
 * float64 references. Tests skip with a one-line reason when it has not been generated (tools/run_zoo.sh does both).
 */
import { appendFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../../src/node.js';

export const ZOO_DIR = process.env.GCAM_ZOO_DIR ?? fileURLToPath(new URL('../../.cache/zoo/', import.meta.url));

export type Role = 'usual' | 'early' | 'default';
export type Layout = 'nchw' | 'nhwc' | 'tokens';

export interface ZooLayer {
  role: Role;
  /** PyTorch module path, what a user types. */
  module: string;
  layout: Layout;
  /** The module's output shape (batch 2). */
  dims: number[];
  /** [N, C, h, w] after the token/channels-last rearrangement. */
  spatialDims: number[];
  activationSum: number;
  activationAbsSum: number;
  /** [N, h, w] */
  rawCam: number[];
  /** [N, S, S] */
  finalCam: number[];
  /** max |float32 torch − float64 torch| over the final maps: how well conditioned the reference is. */
  float32Deviation: number;
}

export interface ZooOnnx {
  file: string;
  /** Tensor name per role (and 'default': the tensor gcam should pick by default). */
  tensors: Record<string, string>;
  ops: string[];
  nodes: number;
}

export interface ZooFixture {
  name: string;
  inputShape: number[];
  /** File of the [N, 3, S, S] float32 input batch. */
  input: string;
  targets: number[];
  numClasses: number;
  logits: number[];
  defaultLayer: string | { node: string };
  onnx: Record<string, ZooOnnx>;
  layers: ZooLayer[];
  notes: string;
}

/** Every generated architecture, sorted by name ([] when the zoo is missing). */
export function loadZoo(): ZooFixture[] {
  if (!existsSync(ZOO_DIR)) return [];
  return readdirSync(ZOO_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(ZOO_DIR, f), 'utf8')) as ZooFixture)
    .filter((fx) => Object.values(fx.onnx).every((o) => existsSync(join(ZOO_DIR, o.file))));
}

export const zooPath = (file: string): string => join(ZOO_DIR, file);

/** `{ skip }` for node:test when the zoo has not been generated. */
export function needsZoo(): { skip?: string } {
  return loadZoo().length
    ? {}
    : {
        skip: `the torchvision zoo is not generated in ${ZOO_DIR}: run tools/run_zoo.sh (needs python3-torch, python3-torchvision, python3-onnx)`,
      };
}

export function zooInput(fx: ZooFixture): Float32Array {
  const arr = parseNpy(readFileSync(zooPath(fx.input)), fx.input);
  if (arr.dims.join() !== fx.inputShape.join()) throw new Error(`${fx.input}: dims [${arr.dims}] vs [${fx.inputShape}]`);
  return arr.data;
}

/** Final map of image n ([S, S] values). */
export function finalCamOf(fx: ZooFixture, layer: ZooLayer, n: number): number[] {
  const per = fx.inputShape[2] * fx.inputShape[3];
  return layer.finalCam.slice(n * per, (n + 1) * per);
}

/**
 * Where the measured errors go (one JSON line per check) when $GCAM_ZOO_REPORT names a file, for docs/models.md;
 * the tests' diagnostics carry the same numbers.
 */
export function record(entry: Record<string, unknown>): void {
  const file = process.env.GCAM_ZOO_REPORT;
  if (file) appendFileSync(file, JSON.stringify(entry) + '\n');
}
