/**
 * The subset of onnx.proto (proto2, github.com/onnx/onnx/blob/main/onnx/onnx.proto) that gcam reads and writes.
 * Field numbers follow the ONNX spec; fields gcam does not need are left out on purpose: protobufjs skips them
 * when decoding, and since gcam never re-encodes a user's model (see append.ts) nothing is lost.
 */
import protobuf from 'protobufjs';

const ONNX_PROTO = `
syntax = "proto2";
package onnx;
message StringStringEntryProto { optional string key = 1; optional string value = 2; }
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message TensorShapeProto {
  message Dimension { oneof value { int64 dim_value = 1; string dim_param = 2; } optional string denotation = 3; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
  optional string denotation = 6;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; optional string doc_string = 3; }
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated float float_data = 4 [packed = true];
  repeated int32 int32_data = 5 [packed = true];
  repeated bytes string_data = 6;
  repeated int64 int64_data = 7 [packed = true];
  optional string name = 8;
  optional bytes raw_data = 9;
  repeated double double_data = 10 [packed = true];
  repeated uint64 uint64_data = 11 [packed = true];
  optional string doc_string = 12;
  repeated StringStringEntryProto external_data = 13;
  optional int32 data_location = 14;
}
message AttributeProto {
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  optional bytes s = 4;
  optional TensorProto t = 5;
  repeated float floats = 7;
  repeated int64 ints = 8;
  repeated bytes strings = 9;
  optional int32 type = 20;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
  optional string domain = 7;
}
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
  repeated ValueInfoProto value_info = 13;
}
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

const root = protobuf.parse(ONNX_PROTO, { keepCase: true }).root;

export const ModelProtoType = root.lookupType('onnx.ModelProto');
export const GraphProtoType = root.lookupType('onnx.GraphProto');

/** ModelProto field numbers that append.ts rewrites at the top level. */
export const MODEL_FIELD = { irVersion: 1, graph: 7, opsetImport: 8 } as const;

/** GraphProto field numbers that append.ts can drop from a copy. */
export const GRAPH_FIELD = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;

/** The name fields of TensorProto and ValueInfoProto (append.ts keeps initializers and inputs by name). */
export const NAME_FIELD = { tensor: 8, valueInfo: 1 } as const;

/** AttributeProto.AttributeType */
export const AttrType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** TensorProto.DataType */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

export const DATA_TYPE_NAME: Record<number, string> = Object.fromEntries(
  Object.entries(DataType).map(([k, v]) => [v, k.toLowerCase()]),
);

/** numpy's names for the float types users see in PyTorch and numpy ('float' alone would not say which width). */
const FLOAT_DTYPE: Record<number, string> = {
  [DataType.FLOAT]: 'float32',
  [DataType.FLOAT16]: 'float16',
  [DataType.DOUBLE]: 'float64',
};

/**
 * A tensor element type as users name it: 'float32', 'float16', 'int64', 'bool'…; 0 is a value without a declared
 * type, and a code gcam has no name for (complex, float8…) is given by its number.
 */
export function dtypeName(elemType: number): string {
  if (elemType === 0) return 'type not declared';
  return FLOAT_DTYPE[elemType] ?? DATA_TYPE_NAME[elemType] ?? `ONNX data type ${elemType}`;
}
