/**
 * Append-only model writing. A protobuf parser merges a message field that occurs twice and concatenates repeated
 * fields, so `original bytes ++ encode(ModelProto{graph: fragment})` is the original model plus the fragment's nodes,
 * initializers, inputs and outputs. The user's bytes (weights, unknown fields, metadata) are copied, never re-encoded.
 * Only top-level fields we must change (opset_import, ir_version) are dropped from the copy and written anew; and, when
 * asked, the graph's input, output and value_info declarations (small ValueInfoProtos, no weights), which a fragment that must change
 * them then declares in full (see replaceGraphIo), or its nodes with the initializers and inputs they alone read (see
 * dropNodes; the kept weights are still copied as bytes).
 */
import protobuf from 'protobufjs';
import { GRAPH_FIELD, GraphProtoType, MODEL_FIELD, ModelProtoType, NAME_FIELD } from './schema.js';
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
  /**
   * Drop the graph's nodes, outputs and value_info, and the initializers and inputs no fragment node reads (`reads`):
   * the fragment is the whole computation (a model that runs only part of the user's, re-emitting the few user nodes
   * it needs). onnxruntime runs every node of a session whatever is fetched; this leaves it none of the user's to
   * run, and no unused initializer to warn about (one warning line per initializer).
   */
  dropNodes?: { reads: ReadonlySet<string> };
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
  const graphDrop = new Set<number>();
  if (opts.replaceGraphIo) [GRAPH_FIELD.input, GRAPH_FIELD.output, GRAPH_FIELD.valueInfo].forEach((f) => graphDrop.add(f));
  if (opts.dropNodes) [GRAPH_FIELD.node, GRAPH_FIELD.output, GRAPH_FIELD.valueInfo].forEach((f) => graphDrop.add(f));
  const reads = opts.dropNodes?.reads;
  const keepGraphField = (field: number, value: Uint8Array): boolean => {
    if (graphDrop.has(field)) return false;
    if (!reads) return true;
    if (field === GRAPH_FIELD.initializer) return reads.has(nameOf(value, NAME_FIELD.tensor));
    if (field === GRAPH_FIELD.input) return reads.has(nameOf(value, NAME_FIELD.valueInfo));
    return true;
  };
  if (rewriteOpset || rewriteIr || graphDrop.size) {
    const drop = new Set<number>();
    if (rewriteOpset) drop.add(MODEL_FIELD.opsetImport);
    if (rewriteIr) drop.add(MODEL_FIELD.irVersion);
    if (graphDrop.size) drop.add(MODEL_FIELD.graph);
    parts.push(...copyFieldsExcept(original, drop));
    if (graphDrop.size)
      for (const graph of fieldValues(original, MODEL_FIELD.graph)) {
        const kept = copyFields(graph, keepGraphField);
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
  return copyFields(bytes, (field) => !drop.has(field));
}

/**
 * Byte ranges of the fields of a message that `keep` accepts; it sees the field number and, for length-delimited
 * fields, the value's bytes (other wire types: empty).
 */
function copyFields(bytes: Uint8Array, keep: (field: number, value: Uint8Array) => boolean): Uint8Array[] {
  const r = protobuf.Reader.create(bytes);
  const out: Uint8Array[] = [];
  let runStart = 0;
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    let value = bytes.subarray(0, 0);
    if ((tag & 7) === 2) {
      const len = r.uint32();
      value = bytes.subarray(r.pos, r.pos + len);
      r.skip(len);
    } else r.skipType(tag & 7);
    if (!keep(tag >>> 3, value)) {
      if (start > runStart) out.push(bytes.subarray(runStart, start));
      runStart = r.pos;
    }
  }
  if (r.len > runStart) out.push(bytes.subarray(runStart, r.len));
  return out;
}

/** The string field `field` of a message's bytes ('' when absent; the last occurrence wins, as protobuf merges). */
function nameOf(message: Uint8Array, field: number): string {
  const r = protobuf.Reader.create(message);
  let name = '';
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field && (tag & 7) === 2) name = r.string();
    else r.skipType(tag & 7);
  }
  return name;
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
