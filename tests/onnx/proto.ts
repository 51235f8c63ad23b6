/**
 * Just enough of ONNX's protobuf encoding for tests to build tiny models
 * (a decoder with a KV cache, an embedding, a patch encoder) without Python.
 * Field numbers follow onnx/onnx.proto.
 */

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
export const INT64 = 7;

export interface TensorInit {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: ArrayLike<number>;
}

export function tensor(t: TensorInit): Uint8Array {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type);
  w.string(8, t.name);
  const raw =
    t.type === FLOAT
      ? new Uint8Array(Float32Array.from(t.values).buffer)
      : new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(v))).buffer);
  w.bytesField(9, raw);
  return w.done();
}

export type Attr = { name: string } & (
  { i: number } | { f: number } | { ints: number[] } | { t: TensorInit }
);

function attribute(a: Attr): Uint8Array {
  const w = new Writer().string(1, a.name);
  if ('i' in a) w.int(3, a.i).int(20, 2);
  else if ('f' in a) w.float(2, a.f).int(20, 1);
  else if ('ints' in a) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, 7);
  } else w.message(5, tensor(a.t)).int(20, 4);
  return w.done();
}

export interface NodeInit {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

function node(n: NodeInit, i: number): Uint8Array {
  const w = new Writer();
  for (const x of n.inputs) w.string(1, x);
  for (const x of n.outputs) w.string(2, x);
  w.string(3, `${n.op}_${i}`);
  w.string(4, n.op);
  for (const a of n.attrs ?? []) w.message(5, attribute(a));
  return w.done();
}

/** A graph input or output: its element type and dims (numbers, or names for dynamic axes). */
export interface ValueInit {
  name: string;
  type: typeof FLOAT | typeof INT64;
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

export function model(g: GraphInit, opset = 17): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, i) => graph.message(1, node(n, i)));
  graph.string(2, 'test-graph');
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  const opsetId = new Writer().string(1, '').int(2, opset).done();
  return new Writer()
    .int(1, 8)
    .string(2, 'real-inspector-tests')
    .message(7, graph.done())
    .message(8, opsetId)
    .done();
}
