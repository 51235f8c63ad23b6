import type { Dim } from './graph-types';
import { Writer, writeMessage, type PbWriter } from './wire';

/**
 * Encoding the few messages a patch adds (NodeProto, TensorProto,
 * ValueInfoProto) with protobufjs' writer; field numbers from onnx.proto.
 */

export type NewAttr = { name: string } & ({ i: number } | { f: number } | { ints: number[] } | { s: string });

export interface NewNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name: string;
  attrs?: NewAttr[];
}

export interface NewTensor {
  name: string;
  dataType: number;
  dims: number[];
  raw: Uint8Array;
}

export interface NewValue {
  name: string;
  elemType: number;
  dims: Dim[];
}

function writeAttr(w: PbWriter, a: NewAttr): void {
  w.uint32((1 << 3) | 2).string(a.name);
  if ('i' in a)
    w.uint32(3 << 3)
      .int64(a.i)
      .uint32(20 << 3)
      .int32(2);
  else if ('f' in a)
    w.uint32((2 << 3) | 5)
      .float(a.f)
      .uint32(20 << 3)
      .int32(1);
  else if ('s' in a)
    w.uint32((4 << 3) | 2)
      .string(a.s)
      .uint32(20 << 3)
      .int32(3);
  else {
    for (const v of a.ints) w.uint32(8 << 3).int64(v);
    w.uint32(20 << 3).int32(7);
  }
}

export function writeNode(w: PbWriter, field: number, n: NewNode): void {
  writeMessage(w, field, (m) => {
    for (const i of n.inputs) m.uint32((1 << 3) | 2).string(i);
    for (const o of n.outputs) m.uint32((2 << 3) | 2).string(o);
    m.uint32((3 << 3) | 2).string(n.name);
    m.uint32((4 << 3) | 2).string(n.op);
    for (const a of n.attrs ?? []) writeMessage(m, 5, (am) => writeAttr(am, a));
  });
}

export function writeTensor(w: PbWriter, field: number, t: NewTensor): void {
  writeMessage(w, field, (m) => {
    for (const d of t.dims) m.uint32(1 << 3).int64(d);
    m.uint32(2 << 3).int32(t.dataType);
    m.uint32((8 << 3) | 2).string(t.name);
    m.uint32((9 << 3) | 2).bytes(t.raw);
  });
}

export function writeValueInfo(w: PbWriter, field: number, v: NewValue): void {
  writeMessage(w, field, (m) => {
    m.uint32((1 << 3) | 2).string(v.name);
    writeMessage(m, 2, (type) =>
      writeMessage(type, 1, (tensor) => {
        tensor.uint32(1 << 3).int32(v.elemType);
        writeMessage(tensor, 2, (shape) => {
          for (const d of v.dims)
            writeMessage(shape, 1, (dim) => {
              if (typeof d === 'number') dim.uint32(1 << 3).int64(d);
              else if (typeof d === 'string') dim.uint32((2 << 3) | 2).string(d);
            });
        });
      }),
    );
  });
}

/** GraphProto fields to append to a graph: protobuf appends repeated fields, so nothing else is rewritten. */
export function graphFragment(nodes: NewNode[], inits: NewTensor[], outputs: NewValue[]): Uint8Array {
  const w = Writer.create();
  for (const n of nodes) writeNode(w, 1, n);
  for (const t of inits) writeTensor(w, 5, t);
  for (const v of outputs) writeValueInfo(w, 12, v);
  return w.finish();
}

/** NodeProto.output fields (repeated strings) to append to a node. */
export function outputFields(names: string[]): Uint8Array {
  const w = Writer.create();
  for (const o of names) w.uint32((2 << 3) | 2).string(o);
  return w.finish();
}
