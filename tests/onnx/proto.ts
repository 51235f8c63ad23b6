/**
 * Just enough of ONNX's protobuf encoding for tests to build tiny models
 * (a decoder with a KV cache, an embedding, a patch encoder; contrib-domain
 * attention nodes, fp16 weights, If subgraphs) without Python.
 * Field numbers follow onnx/onnx.proto.
 */
import { toHalfBits } from './fp16';

class Writer {
  private bytes: number[] = [];
  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    do {
      let b = Number(n & 0x7fn);
      n >>= 7n;
      if (n > 0n) b |= 0x80;
      this.bytes.push(b);
    } while (n > 0n);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }
  int(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }
  bytesField(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }
  message(field: number, m: Uint8Array): this {
    return this.bytesField(field, m);
  }
  float(field: number, f: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(new Float32Array([f]).buffer);
    for (const x of b) this.bytes.push(x);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export const FLOAT = 1;
export const INT32 = 6;
export const INT64 = 7;
export const BOOL = 9;
export const FLOAT16 = 10;
export type ElemType = typeof FLOAT | typeof INT32 | typeof INT64 | typeof BOOL | typeof FLOAT16;

export interface TensorInit {
  name: string;
  dims: number[];
  type: ElemType;
  values: ArrayLike<number>;
  /** Stored outside the model (values ignored), as TensorProto.external_data says. */
  external?: { location: string; offset: number; length: number };
}

function rawBytes(type: ElemType, values: ArrayLike<number>): Uint8Array {
  const v = Array.from(values);
  switch (type) {
    case FLOAT:
      return new Uint8Array(Float32Array.from(v).buffer);
    case FLOAT16:
      return new Uint8Array(Uint16Array.from(v, toHalfBits).buffer);
    case INT32:
      return new Uint8Array(Int32Array.from(v).buffer);
    case BOOL:
      return Uint8Array.from(v, (x) => (x ? 1 : 0));
    default:
      return new Uint8Array(BigInt64Array.from(v, (x) => BigInt(x)).buffer);
  }
}

export function tensor(t: TensorInit): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  if (t.external) {
    for (const [key, value] of Object.entries(t.external))
      w.message(13, new Writer().string(1, key).string(2, String(value)).done());
    w.int(14, 1);
  } else w.bytesField(9, rawBytes(t.type, t.values));
  return w.done();
}

export type Attr = { name: string } & (
  { i: number } | { f: number } | { ints: number[] } | { t: TensorInit } | { s: string } | { g: GraphInit }
);

function attribute(a: Attr): Uint8Array {
  const w = new Writer().string(1, a.name);
  if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('ints' in a) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, 7);
  } else if ('s' in a) w.string(4, a.s).int(20, 3);
  else if ('g' in a) w.message(6, graph(a.g)).int(20, 5);
  else w.message(5, tensor(a.t)).int(20, 4);
  return w.done();
}

export interface NodeInit {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
  /** e.g. 'com.microsoft'; the default domain when absent. */
  domain?: string;
  /** The node's name; `${op}_${index}` when absent. */
  name?: string;
}

function node(n: NodeInit, i: number): Uint8Array {
  const w = new Writer();
  for (const x of n.inputs) w.string(1, x);
  for (const x of n.outputs) w.string(2, x);
  w.string(3, n.name ?? `${n.op}_${i}`);
  w.string(4, n.op);
  for (const a of n.attrs ?? []) w.message(5, attribute(a));
  if (n.domain) w.string(7, n.domain);
  return w.done();
}

/** A graph input or output: its element type and dims (numbers, or names for dynamic axes). */
export interface ValueInit {
  name: string;
  type: ElemType;
  dims: readonly (number | string)[];
}

function valueInfo(v: ValueInit): Uint8Array {
  const shape = new Writer();
  for (const d of v.dims) {
    const dim = new Writer();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim.done());
  }
  const tensorType = new Writer().int(1, v.type).message(2, shape.done()).done();
  const type = new Writer().message(1, tensorType).done();
  return new Writer().string(1, v.name).message(2, type).done();
}

export interface GraphInit {
  nodes: NodeInit[];
  inputs: ValueInit[];
  outputs: ValueInit[];
  initializers: TensorInit[];
}

/** A GraphProto's bytes (the model's graph, or an If branch). */
export function graph(g: GraphInit, name = 'test-graph'): Uint8Array {
  const w = new Writer();
  g.nodes.forEach((n, i) => w.message(1, node(n, i)));
  w.string(2, name);
  for (const t of g.initializers) w.message(5, tensor(t));
  for (const v of g.inputs) w.message(11, valueInfo(v));
  for (const v of g.outputs) w.message(12, valueInfo(v));
  return w.done();
}

export interface ModelOptions {
  /** Opsets besides the default domain's, e.g. [{ domain: 'com.microsoft', version: 1 }]. */
  imports?: { domain: string; version: number }[];
  irVersion?: number;
}

export function model(g: GraphInit, opset = 17, opts: ModelOptions = {}): Uint8Array {
  const w = new Writer()
    .int(1, opts.irVersion ?? 8)
    .string(2, 'real-inspector-tests')
    .message(7, graph(g));
  for (const { domain, version } of [{ domain: '', version: opset }, ...(opts.imports ?? [])])
    w.message(8, new Writer().string(1, domain).int(2, version).done());
  return w.done();
}
