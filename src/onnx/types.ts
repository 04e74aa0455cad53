/** Plain shapes of the decoded ONNX messages (the subset in schema.ts). int64 fields may arrive as Long. */
export interface LongLike {
  toNumber(): number;
}
export type Int64 = number | LongLike;

export interface TensorProto {
  dims?: Int64[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: Int64[];
  double_data?: number[];
  uint64_data?: Int64[];
  name?: string;
  raw_data?: Uint8Array;
  external_data?: { key?: string; value?: string }[];
  data_location?: number;
}

export interface AttributeProto {
  name?: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: Int64[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
}

export interface DimProto {
  dim_value?: Int64;
  dim_param?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: DimProto[] } } };
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

export interface ModelProto {
  ir_version?: Int64;
  producer_name?: string;
  producer_version?: string;
  graph?: GraphProto;
  opset_import?: { domain?: string; version?: Int64 }[];
}

export function toNum(v: Int64 | undefined | null): number {
  if (v === undefined || v === null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}
