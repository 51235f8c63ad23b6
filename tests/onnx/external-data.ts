/**
 * Moves a test model's large initializers into an external data file, as
 * the onnx-community exports keep their weights (`<file>.onnx_data`): each
 * TensorProto loses its raw_data and gains data_location EXTERNAL with
 * location / offset / length. Works on the wire format (field numbers of
 * onnx/onnx.proto), so it is independent of the app's own ONNX reader.
 */
import protobuf from 'protobufjs/minimal.js';

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;

interface Field {
  field: number;
  wire: number;
  start: number;
  end: number;
  /** For length-delimited fields: where the payload starts. */
  payload: number;
}

function fields(buf: Uint8Array): Field[] {
  const r = protobuf.Reader.create(buf);
  const out: Field[] = [];
  while (r.pos < r.len) {
    const start = r.pos;
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    let payload = r.pos;
    if (wire === 2) {
      const n = r.uint32();
      payload = r.pos;
      r.skip(n);
    } else r.skipType(wire);
    out.push({ field, wire, start, end: r.pos, payload });
  }
  return out;
}

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function concat(parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A length-delimited field: tag, length, payload. */
function lengthField(field: number, body: Uint8Array): Uint8Array {
  return concat([varint((field << 3) | 2), varint(body.length), body]);
}

const text = (s: string) => new TextEncoder().encode(s);

function externalTensor(
  tensor: Uint8Array,
  location: string,
  data: Uint8Array[],
  offset: { at: number },
  minBytes: number,
) {
  const fs = fields(tensor);
  const raw = fs.find((f) => f.field === TENSOR_RAW_DATA);
  if (!raw || raw.end - raw.payload < minBytes) return tensor;
  const bytes = tensor.subarray(raw.payload, raw.end);
  const parts: ArrayLike<number>[] = fs
    .filter((f) => f.field !== TENSOR_RAW_DATA)
    .map((f) => tensor.subarray(f.start, f.end));
  const entry = (key: string, value: string) =>
    lengthField(TENSOR_EXTERNAL_DATA, concat([lengthField(1, text(key)), lengthField(2, text(value))]));
  parts.push(
    entry('location', location),
    entry('offset', String(offset.at)),
    entry('length', String(bytes.length)),
  );
  parts.push(varint((TENSOR_DATA_LOCATION << 3) | 0), varint(1));
  data.push(bytes);
  offset.at += bytes.length;
  return concat(parts);
}

/** The model with every initializer of at least `minBytes` moved to `location`, and that file's bytes. */
export function externalizeWeights(
  model: Uint8Array,
  location: string,
  minBytes = 1024,
): { model: Uint8Array; data: Uint8Array } {
  const data: Uint8Array[] = [];
  const offset = { at: 0 };
  const parts: Uint8Array[] = [];
  for (const f of fields(model)) {
    if (f.field !== MODEL_GRAPH) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    const graph = model.subarray(f.payload, f.end);
    const g = fields(graph).map((gf) =>
      gf.field !== GRAPH_INITIALIZER
        ? graph.subarray(gf.start, gf.end)
        : lengthField(
            GRAPH_INITIALIZER,
            externalTensor(graph.subarray(gf.payload, gf.end), location, data, offset, minBytes),
          ),
    );
    parts.push(lengthField(MODEL_GRAPH, concat(g)));
  }
  return { model: concat(parts), data: concat(data) };
}
