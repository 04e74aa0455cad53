/**
 * Append-only model writing. A protobuf parser merges a message field that occurs twice and concatenates repeated
 * fields, so `original bytes ++ encode(ModelProto{graph: fragment})` is the original model plus the fragment's nodes,
 * initializers, inputs and outputs. The user's bytes (weights, unknown fields, metadata) are copied, never re-encoded.
 * Only top-level fields we must change (opset_import, ir_version) are dropped from the copy and written anew; and, when
 * asked, the graph's input, output and value_info declarations (small ValueInfoProtos, no weights), which a fragment that must change
 * them then declares in full (see replaceGraphIo).
 */
import protobuf from 'protobufjs';
import { GRAPH_FIELD, GraphProtoType, MODEL_FIELD, ModelProtoType } from './schema.js';
import type { GraphFragment } from './builder.js';
import type { ModelProto } from './types.js';
import { toNum } from './types.js';

export interface AppendOptions {
  /** Rewrite the ai.onnx opset_import to this version (other domains are kept). */
  opset?: number;
  /** Rewrite ir_version to at least this value. */
  minIrVersion?: number;
  /**
   * Drop the graph's own input and output entries: the fragment declares every input and output of the result, in
   * order (a model whose declared batch must become dynamic; initializers listed as inputs, which IR ≥ 4 would make
   * overridable inputs). Merging cannot replace a repeated field's entries, only add to them. The value_info entries
   * go too: shape hints of intermediate tensors, which carry the old batch (onnxruntime folds Shape from them) and
   * which onnxruntime and shape inference recompute.
   */
  replaceGraphIo?: boolean;
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
  if (rewriteOpset || rewriteIr || opts.replaceGraphIo) {
    const drop = new Set<number>();
    if (rewriteOpset) drop.add(MODEL_FIELD.opsetImport);
    if (rewriteIr) drop.add(MODEL_FIELD.irVersion);
    if (opts.replaceGraphIo) drop.add(MODEL_FIELD.graph);
    parts.push(...copyFieldsExcept(original, drop));
    if (opts.replaceGraphIo)
      for (const graph of fieldValues(original, MODEL_FIELD.graph)) {
        const kept = copyFieldsExcept(graph, new Set([GRAPH_FIELD.input, GRAPH_FIELD.output, GRAPH_FIELD.valueInfo]));
        const w = protobuf.Writer.create();
        w.uint32((MODEL_FIELD.graph << 3) | 2).uint32(kept.reduce((a, p) => a + p.length, 0));
        parts.push(w.finish(), ...kept);
      }
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

/** Byte ranges of the fields of a message, minus those whose field number is in `drop`. */
function copyFieldsExcept(bytes: Uint8Array, drop: Set<number>): Uint8Array[] {
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

/** The contents of every occurrence of a length-delimited field of a message (views, not copies). */
function fieldValues(bytes: Uint8Array, field: number): Uint8Array[] {
  const r = protobuf.Reader.create(bytes);
  const out: Uint8Array[] = [];
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) {
      const len = r.uint32();
      out.push(bytes.subarray(r.pos, r.pos + len));
      r.skip(len);
    } else r.skipType(tag & 7);
  }
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
