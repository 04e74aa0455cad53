/** Decoding ONNX model bytes into plain objects, with the checks that turn garbage into a clear error. */
import { ModelProtoType } from './schema.js';
import { toNum, type ModelProto, type TensorProto } from './types.js';
import { InvalidModelError } from '../errors.js';

/** Resolves a tensor's external data file (`location` relative to the model's folder) to its bytes. */
export type ExternalDataReader = (location: string) => Uint8Array;

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
  const g = proto.graph;
  if (!g || !g.node || g.node.length === 0 || !proto.opset_import?.length || !g.output?.length) {
    throw new InvalidModelError(
      `${what} is not an ONNX model: it has no graph, nodes, outputs or opset. Pass an .onnx file exported from your framework.`,
    );
  }
  const externalTensors: string[] = [];
  const files = new Set<string>();
  for (const t of g.initializer ?? []) {
    if (t.data_location === 1) {
      externalTensors.push(t.name ?? '');
      const location = t.external_data?.find((e) => e.key === 'location')?.value;
      if (location) files.add(location);
      if (readExternal) resolveExternal(t, readExternal, what);
    }
  }
  return { bytes, proto, externalTensors, ...(baseDir && files.size ? { externalData: { baseDir, files: [...files] } } : {}) };
}

function resolveExternal(t: TensorProto, readExternal: ExternalDataReader, what: string): void {
  const kv = new Map((t.external_data ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new InvalidModelError(`${what}: tensor '${t.name}' is external but names no file.`);
  let file: Uint8Array;
  try {
    file = readExternal(location);
  } catch (e) {
    throw new InvalidModelError(
      `${what}: the external data file '${location}' of tensor '${t.name}' cannot be read; keep it next to the model.`,
      { cause: e },
    );
  }
  const offset = Number(kv.get('offset') ?? 0);
  const length = kv.has('length') ? Number(kv.get('length')) : file.length - offset;
  if (offset + length > file.length)
    throw new InvalidModelError(`${what}: external data file '${location}' is shorter than tensor '${t.name}' needs.`);
  // Only our decoded copy gets the data (for reading constants); the model bytes are untouched.
  t.raw_data = file.subarray(offset, offset + length);
  t.data_location = 0;
}

export function opsetOf(proto: ModelProto, domain = ''): number {
  for (const o of proto.opset_import ?? []) {
    const d = o.domain ?? '';
    if (d === domain || (domain === '' && d === 'ai.onnx')) return toNum(o.version);
  }
  return 0;
}
