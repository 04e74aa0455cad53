/** Decoding ONNX model bytes into plain objects, with the checks that turn garbage into a clear error. */
import { ModelProtoType } from './schema.js';
import { externalSlice, type ExternalSlice } from './external-data.js';
import { toNum, type ModelProto, type TensorProto } from './types.js';
import { GcamError, InvalidModelError } from '../errors.js';

/**
 * Reads `length` bytes at `offset` of a tensor's external data file (`location` relative to the model's folder). The
 * range is the tensor's own byte size, checked against the model's entries; the reader checks it against the file.
 */
export type ExternalDataReader = (location: string, offset: number, length: number) => Uint8Array;

export interface DecodedModel {
  /** The original bytes, never re-encoded: the explain model is these bytes plus an appended fragment. */
  bytes: Uint8Array;
  proto: ModelProto;
  /** Tensors whose data lives in external files (their names); the runtime must be able to reach those files. */
  externalTensors: string[];
  /** Their files (locations relative to the model's folder) and that folder, when loaded from a path. */
  externalData?: ExternalData;
}

export interface ExternalData {
  baseDir: string;
  files: readonly string[];
}

export function decodeModel(
  bytes: Uint8Array,
  what = 'model',
  readExternal?: ExternalDataReader,
  baseDir?: string,
): DecodedModel {
  let proto: ModelProto;
  try {
    proto = ModelProtoType.decode(bytes) as unknown as ModelProto;
  } catch (e) {
    throw new InvalidModelError(
      `${what} is not a readable ONNX model (${(e as Error).message}): the file is truncated or not ONNX. ` +
        `Export the model again (e.g. torch.onnx.export) and pass the .onnx file.`,
      { cause: e },
    );
  }
  checkModelStructure(proto, what);
  const g = proto.graph!;
  const externalTensors: string[] = [];
  const files = new Set<string>();
  for (const t of g.initializer ?? []) {
    if (t.data_location !== 1) continue;
    externalTensors.push(t.name ?? '');
    const slice = externalSlice(t, what);
    files.add(slice.location);
    if (readExternal) {
      // Only our decoded copy gets the data (for reading constants); the model bytes are untouched.
      t.raw_data = readSlice(t, slice, readExternal, what);
      t.data_location = 0;
    }
  }
  return { bytes, proto, externalTensors, ...(baseDir && files.size ? { externalData: { baseDir, files: [...files] } } : {}) };
}

function readSlice(
  t: TensorProto,
  { location, offset, length }: ExternalSlice,
  readExternal: ExternalDataReader,
  what: string,
): Uint8Array {
  try {
    return readExternal(location, offset, length);
  } catch (e) {
    throw new InvalidModelError(
      e instanceof GcamError
        ? `${what}, tensor '${t.name}': ${e.message}`
        : `${what}: the external data file '${location}' of tensor '${t.name}' cannot be read; keep it next to the model.`,
      { cause: e },
    );
  }
}

/** A model needs a graph with nodes and outputs, and an opset; also checks model objects made outside decodeModel. */
export function checkModelStructure(proto: ModelProto | undefined, what: string): void {
  const g = proto?.graph;
  const list = (v: unknown) => Array.isArray(v) && v.length > 0;
  if (!g || !list(g.node) || !list(proto.opset_import) || !list(g.output))
    throw new InvalidModelError(
      `${what} is not an ONNX model: it has no graph, nodes, outputs or opset. Pass an .onnx file exported from your framework.`,
    );
}

export function opsetOf(proto: ModelProto, domain = ''): number {
  for (const o of proto.opset_import ?? []) {
    const d = o.domain ?? '';
    if (d === domain || (domain === '' && d === 'ai.onnx')) return toNum(o.version);
  }
  return 0;
}
