import {
  type AttributeInfo,
  type ExternalDataFile,
  type GraphBody,
  type GraphInfo,
  type NodeInfo,
  type OpsetImport,
  type Span,
  type TensorMeta,
  type ValueInfo,
  type Dim,
} from './graph-types';
import { ELEM_BYTES, tensorBytes } from './elem-bytes';
import {
  Reader,
  WIRE_BYTES,
  countRepeated,
  embeddedEnd,
  forFields,
  readFloats,
  readVarints,
  toNumber,
  type PbReader,
} from './wire';

/**
 * Reads an ONNX ModelProto's structure (onnx/onnx.proto field numbers)
 * without decoding or copying tensor bytes: raw_data and typed data are
 * skipped by their length and only their size is kept. A field that
 * appears twice is merged, as protobuf (and onnxruntime's parser) does.
 */

export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

function emptyBody(span: Span): GraphBody {
  return { name: '', inputs: [], outputs: [], valueInfo: [], initializers: [], nodes: [], span };
}

function spanOf(r: PbReader, start: number): { span: Span; end: number } {
  const end = embeddedEnd(r);
  return { span: { start, payload: r.pos, end }, end };
}

function readDims(r: PbReader, end: number): Dim[] {
  const dims: Dim[] = [];
  forFields(r, end, (no, wire) => {
    if (no !== 1 || wire !== WIRE_BYTES) return void r.skipType(wire);
    const dimEnd = embeddedEnd(r);
    let d: Dim = null;
    forFields(r, dimEnd, (dno, dwire) => {
      if (dno === 1) d = toNumber(r.int64());
      else if (dno === 2) d = r.string();
      else r.skipType(dwire);
    });
    dims.push(d);
  });
  return dims;
}

function readTypeProto(r: PbReader, end: number, v: ValueInfo): void {
  forFields(r, end, (no, wire) => {
    // 1: tensor_type, 8: sparse_tensor_type; both are {elem_type = 1, shape = 2}.
    if ((no !== 1 && no !== 8) || wire !== WIRE_BYTES) return void r.skipType(wire);
    const tEnd = embeddedEnd(r);
    forFields(r, tEnd, (tno, twire) => {
      if (tno === 1) v.elemType = r.int32();
      else if (tno === 2) v.dims = readDims(r, embeddedEnd(r));
      else r.skipType(twire);
    });
  });
}

function readValueInfo(r: PbReader, end: number): ValueInfo {
  const v: ValueInfo = { name: '', elemType: 0, dims: null };
  forFields(r, end, (no, wire) => {
    if (no === 1) v.name = r.string();
    else if (no === 2 && wire === WIRE_BYTES) readTypeProto(r, embeddedEnd(r), v);
    else r.skipType(wire);
  });
  return v;
}

function readTensor(r: PbReader, end: number): TensorMeta {
  const t: TensorMeta = { name: '', dataType: 0, dims: [], inlineBytes: 0, external: null };
  let elements = 0;
  let stringBytes = 0;
  let external = false;
  const ext: Record<string, string> = {};
  forFields(r, end, (no, wire) => {
    switch (no) {
      case 1:
        readVarints(r, wire, t.dims);
        break;
      case 2:
        t.dataType = r.int32();
        break;
      case 8:
        t.name = r.string();
        break;
      case 9: {
        // raw_data: keep the length, skip the bytes.
        const len = r.uint32();
        t.inlineBytes += len;
        r.skip(len);
        break;
      }
      case 4: // float_data
      case 5: // int32_data (also holds fp16/bool/int8 values, one per varint)
      case 7: // int64_data
      case 10: // double_data
      case 11: // uint64_data
        elements += countRepeated(r, wire, no === 4 ? 4 : no === 10 ? 8 : 0);
        break;
      case 6: {
        const len = r.uint32();
        stringBytes += len;
        r.skip(len);
        break;
      }
      case 13: {
        const eEnd = embeddedEnd(r);
        let key = '';
        let value = '';
        forFields(r, eEnd, (eno, ewire) => {
          if (eno === 1) key = r.string();
          else if (eno === 2) value = r.string();
          else r.skipType(ewire);
        });
        ext[key] = value;
        break;
      }
      case 14:
        external = r.int32() === 1;
        break;
      default:
        r.skipType(wire);
    }
  });
  if (elements) t.inlineBytes += tensorBytes(t.dataType, elements) ?? 0;
  t.inlineBytes += stringBytes;
  const bad = t.dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined)
    throw new OnnxFormatError(`tensor ${JSON.stringify(t.name)}: dimension ${bad} is not a whole number ≥ 0`);
  if (external) t.external = externalRef(t, ext);
  return t;
}

/** A decimal byte count as TensorProto.external_data writes it: digits only, at most 2^53 − 1. */
function byteCount(t: TensorMeta, key: string, raw: string): number {
  const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n))
    throw new OnnxFormatError(
      `tensor ${JSON.stringify(t.name)}: external data ${key} ${JSON.stringify(raw.slice(0, 40))} is not a byte count (a whole number ≥ 0)`,
    );
  return n;
}

/**
 * Where a tensor's bytes are outside the model: a location, and an extent
 * that can exist (offset and length whole numbers ≥ 0 whose end is a safe
 * integer) and holds the tensor (its dims × element size, where the type
 * has a fixed size).
 */
function externalRef(t: TensorMeta, ext: Record<string, string>): TensorMeta['external'] {
  if (!ext.location)
    throw new OnnxFormatError(`tensor ${JSON.stringify(t.name)}: external data without a location`);
  const size = tensorBytes(
    t.dataType,
    t.dims.reduce((a, d) => a * d, 1),
  );
  const offset = ext.offset === undefined ? 0 : byteCount(t, 'offset', ext.offset);
  const length = ext.length === undefined ? size : byteCount(t, 'length', ext.length);
  if (length === null)
    throw new OnnxFormatError(
      `tensor ${JSON.stringify(t.name)}: external data of type ${t.dataType} without a length`,
    );
  if (!Number.isSafeInteger(offset + length))
    throw new OnnxFormatError(`tensor ${JSON.stringify(t.name)}: external data ends past 2^53 bytes`);
  if (size !== null && Number.isSafeInteger(size) && length !== size)
    throw new OnnxFormatError(
      `tensor ${JSON.stringify(t.name)}: external data length ${length} is not its ${t.dims.join(' × ') || 'scalar'} × ${ELEM_BYTES[t.dataType]} = ${size} bytes`,
    );
  return { location: ext.location, offset, length };
}

function readAttribute(r: PbReader, start: number): AttributeInfo {
  const { span, end } = spanOf(r, start);
  const a: AttributeInfo = { name: '', type: 0, span };
  forFields(r, end, (no, wire, at) => {
    switch (no) {
      case 1:
        a.name = r.string();
        break;
      case 20:
        a.type = r.int32();
        break;
      case 2:
        a.f = r.float();
        break;
      case 3:
        a.i = toNumber(r.int64());
        break;
      case 4:
        a.s = r.string();
        break;
      case 5:
        a.t = readTensor(r, embeddedEnd(r));
        break;
      case 6:
        a.g = readGraphBody(r, at, a.g);
        break;
      case 7:
        readFloats(r, wire, (a.floats ??= []));
        break;
      case 8:
        readVarints(r, wire, (a.ints ??= []));
        break;
      case 9:
        (a.strings ??= []).push(r.string());
        break;
      case 11:
        (a.graphs ??= []).push(readGraphBody(r, at));
        break;
      default:
        r.skipType(wire);
    }
  });
  return a;
}

function readNode(r: PbReader, start: number): NodeInfo {
  const { span, end } = spanOf(r, start);
  const n: NodeInfo = { op: '', domain: '', name: '', inputs: [], outputs: [], attributes: [], span };
  forFields(r, end, (no, wire, at) => {
    if (no === 1) n.inputs.push(r.string());
    else if (no === 2) n.outputs.push(r.string());
    else if (no === 3) n.name = r.string();
    else if (no === 4) n.op = r.string();
    else if (no === 7) n.domain = r.string();
    else if (no === 5 && wire === WIRE_BYTES) n.attributes.push(readAttribute(r, at));
    else r.skipType(wire);
  });
  return n;
}

function readGraphBody(r: PbReader, start: number, into?: GraphBody): GraphBody {
  const { span, end } = spanOf(r, start);
  const g = into ?? emptyBody(span);
  forFields(r, end, (no, wire, at) => {
    if (no === 1 && wire === WIRE_BYTES) g.nodes.push(readNode(r, at));
    else if (no === 2) g.name = r.string();
    else if (no === 5 && wire === WIRE_BYTES) g.initializers.push(readTensor(r, embeddedEnd(r)));
    else if (no === 11 && wire === WIRE_BYTES) g.inputs.push(readValueInfo(r, embeddedEnd(r)));
    else if (no === 12 && wire === WIRE_BYTES) g.outputs.push(readValueInfo(r, embeddedEnd(r)));
    else if (no === 13 && wire === WIRE_BYTES) g.valueInfo.push(readValueInfo(r, embeddedEnd(r)));
    else r.skipType(wire);
  });
  return g;
}

/** Reads a ModelProto's structure. Throws OnnxFormatError on bytes that are not one. */
export function readGraph(bytes: Uint8Array): GraphInfo {
  const r = Reader.create(bytes);
  let graph: GraphBody | undefined;
  let irVersion = 0;
  let producer = '';
  const opsetImports: OpsetImport[] = [];
  try {
    forFields(r, bytes.length, (no, wire, at) => {
      if (no === 1) irVersion = toNumber(r.int64());
      else if (no === 2) producer = r.string();
      else if (no === 7 && wire === WIRE_BYTES) graph = readGraphBody(r, at, graph);
      else if (no === 8 && wire === WIRE_BYTES) {
        const end = embeddedEnd(r);
        const op: OpsetImport = { domain: '', version: 0 };
        forFields(r, end, (ono, owire) => {
          if (ono === 1) op.domain = r.string();
          else if (ono === 2) op.version = toNumber(r.int64());
          else r.skipType(owire);
        });
        opsetImports.push(op);
      } else r.skipType(wire);
    });
  } catch (e) {
    if (e instanceof OnnxFormatError) throw e;
    throw new OnnxFormatError(`not an ONNX model: ${(e as Error).message}`, { cause: e });
  }
  if (!graph) throw new OnnxFormatError('not an ONNX model: no graph');
  return { ...graph, irVersion, producer, opsetImports };
}

/** Every graph of the model, the main one first, then subgraphs depth-first. */
export function allGraphs(g: GraphBody): GraphBody[] {
  const out: GraphBody[] = [g];
  for (const n of g.nodes)
    for (const a of n.attributes) {
      if (a.g) out.push(...allGraphs(a.g));
      for (const s of a.graphs ?? []) out.push(...allGraphs(s));
    }
  return out;
}

/** The external data files the model needs: the largest offset + length per location. */
export function externalDataFiles(g: GraphBody): ExternalDataFile[] {
  const sizes = new Map<string, number>();
  const visit = (t: TensorMeta) => {
    if (!t.external) return;
    const end = t.external.offset + t.external.length;
    sizes.set(t.external.location, Math.max(sizes.get(t.external.location) ?? 0, end));
  };
  for (const sub of allGraphs(g)) {
    sub.initializers.forEach(visit);
    for (const n of sub.nodes) for (const a of n.attributes) if (a.t) visit(a.t);
  }
  return [...sizes].map(([location, bytes]) => ({ location, bytes }));
}
