/**
 * Append-only model writing. A protobuf parser merges a message field that occurs twice and concatenates repeated
 * fields, so `original bytes ++ encode(ModelProto{graph: fragment})` is the original model plus the fragment's nodes,
 * initializers, inputs and outputs. The user's bytes (weights, unknown fields, metadata) are copied, never re-encoded.
 * Only top-level fields we must change (opset_import, ir_version) are dropped from the copy and written anew.
 */
import protobuf from 'protobufjs';
import { GraphProtoType, MODEL_FIELD, ModelProtoType } from './schema.js';
import type { GraphFragment } from './builder.js';
import type { ModelProto } from './types.js';
import { toNum } from './types.js';

export interface AppendOptions {
  /** Rewrite the ai.onnx opset_import to this version (other domains are kept). */
  opset?: number;
  /** Rewrite ir_version to at least this value. */
  minIrVersion?: number;
}

export function appendToModel(
  original: Uint8Array,
  model: ModelProto,
  fragment: GraphFragment,
  opts: AppendOptions = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  const currentIr = toNum(model.ir_version);
  const rewriteOpset = opts.opset !== undefined;
  const rewriteIr = opts.minIrVersion !== undefined && currentIr < opts.minIrVersion;
  if (rewriteOpset || rewriteIr) {
    const drop = new Set<number>();
    if (rewriteOpset) drop.add(MODEL_FIELD.opsetImport);
    if (rewriteIr) drop.add(MODEL_FIELD.irVersion);
    parts.push(...copyTopLevelExcept(original, drop));
    const head: ModelProto = {};
    if (rewriteIr) head.ir_version = opts.minIrVersion;
    if (rewriteOpset) {
      head.opset_import = (model.opset_import ?? []).map((o) => {
        const d = o.domain ?? '';
        return d === '' || d === 'ai.onnx' ? { domain: d, version: opts.opset } : { domain: d, version: o.version };
      });
    }
    parts.push(ModelProtoType.encode(ModelProtoType.fromObject(head)).finish());
  } else {
    parts.push(original);
  }
  const graphBytes = GraphProtoType.encode(
    GraphProtoType.fromObject({
      node: fragment.nodes,
      initializer: fragment.initializers,
      input: fragment.inputs,
      output: fragment.outputs,
    }),
  ).finish();
  const w = protobuf.Writer.create();
  w.uint32((MODEL_FIELD.graph << 3) | 2).bytes(graphBytes);
  parts.push(w.finish());
  return concat(parts);
}

/** Byte ranges of the top-level fields of a message, minus those whose field number is in `drop`. */
function copyTopLevelExcept(bytes: Uint8Array, drop: Set<number>): Uint8Array[] {
  const r = protobuf.Reader.create(bytes);
  const out: Uint8Array[] = [];
  let runStart = 0;
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    r.skipType(tag & 7);
    if (drop.has(tag >>> 3)) {
      if (start > runStart) out.push(bytes.subarray(runStart, start));
      runStart = r.pos;
    }
  }
  if (r.len > runStart) out.push(bytes.subarray(runStart, r.len));
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
