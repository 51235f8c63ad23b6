/**
 * What `readGraph` reports about an ONNX model: its structure and tensor
 * metadata, never weight bytes. Byte spans are absolute offsets into the
 * model's bytes, so a patch can splice a node without re-encoding the rest.
 */

/** TensorProto.DataType values the patcher cares about (onnx.proto). */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttrType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

/** A field's bytes: [start, end) including its tag and length; the payload starts at `payload`. */
export interface Span {
  start: number;
  payload: number;
  end: number;
}

/** A dimension: a number, a symbolic name, or null when neither is given. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  /** TensorProto.DataType; 0 when the type is not a tensor or not given. */
  elemType: number;
  /** null when no shape is recorded (rank unknown). */
  dims: Dim[] | null;
}

export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

export interface TensorMeta {
  name: string;
  dataType: number;
  dims: number[];
  /** Bytes held inside the model (raw_data or typed data), when not external. */
  inlineBytes: number;
  external: ExternalRef | null;
}

export interface AttributeInfo {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: string;
  floats?: number[];
  ints?: number[];
  strings?: string[];
  t?: TensorMeta;
  g?: GraphBody;
  graphs?: GraphBody[];
  span: Span;
}

export interface NodeInfo {
  op: string;
  /** '' for the default (ai.onnx) domain. */
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: AttributeInfo[];
  span: Span;
}

/** Any graph: the model's main graph or a subgraph (If branch, Loop/Scan body). */
export interface GraphBody {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  initializers: TensorMeta[];
  nodes: NodeInfo[];
  /** The GraphProto field's span (ModelProto.graph, or AttributeProto.g / graphs). */
  span: Span;
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface GraphInfo extends GraphBody {
  irVersion: number;
  producer: string;
  opsetImports: OpsetImport[];
}

export interface ExternalDataFile {
  location: string;
  bytes: number;
}
