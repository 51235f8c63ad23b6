import protobuf from 'protobufjs/minimal.js';

/**
 * Thin helpers over protobufjs' wire reader and writer: ONNX messages are
 * walked field by field, so unknown fields and weight bytes are skipped by
 * their length instead of decoded.
 */

export const { Reader, Writer } = protobuf;
export type PbReader = protobuf.Reader;
export type PbWriter = protobuf.Writer;

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_FIXED32 = 5;

/** int64 as a JS number, whether protobufjs hands back a number, a Long or LongBits. */
export function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  const o = v as { low?: number; high?: number; lo?: number; hi?: number };
  const low = o.low ?? o.lo ?? 0;
  const high = o.high ?? o.hi ?? 0;
  return high * 4294967296 + (low >>> 0);
}

/**
 * Calls `field` for every field of the message in [r.pos, end), with the
 * offset of the field's tag; `field` must consume or skip the value.
 */
export function forFields(
  r: PbReader,
  end: number,
  field: (no: number, wire: number, start: number) => void,
): void {
  while (r.pos < end) {
    const start = r.pos;
    const tag = r.uint32();
    // Field number 0 does not exist in protobuf: zeros (a blank or truncated file) stop here, not after a scan.
    if (tag >>> 3 === 0) throw new RangeError(`field number 0 at byte ${start}: not protobuf`);
    field(tag >>> 3, tag & 7, start);
  }
  if (r.pos !== end) throw new RangeError(`a field runs past its message's end at ${end}`);
}

/** Reads a length prefix and returns the end offset of the embedded bytes. */
export function embeddedEnd(r: PbReader): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > r.len) throw new RangeError(`truncated message: ${len} bytes at ${r.pos}, ${r.len - r.pos} left`);
  return end;
}

/** Reads a repeated varint field that may be packed (wire 2) or not. */
export function readVarints(r: PbReader, wire: number, out: number[]): void {
  if (wire === WIRE_BYTES) {
    const end = embeddedEnd(r);
    while (r.pos < end) out.push(toNumber(r.int64()));
  } else out.push(toNumber(r.int64()));
}

export function readFloats(r: PbReader, wire: number, out: number[]): void {
  if (wire === WIRE_BYTES) {
    const end = embeddedEnd(r);
    while (r.pos < end) out.push(r.float());
  } else out.push(r.float());
}

/** Counts the elements of a repeated field (packed or not) without keeping them. */
export function countRepeated(r: PbReader, wire: number, fixedSize: number): number {
  if (wire !== WIRE_BYTES) {
    r.skipType(wire);
    return 1;
  }
  const end = embeddedEnd(r);
  if (fixedSize > 0) {
    const n = (end - r.pos) / fixedSize;
    r.pos = end;
    return n;
  }
  let n = 0;
  while (r.pos < end) {
    r.skipType(WIRE_VARINT);
    n++;
  }
  return n;
}

/** Writes `tag` then the length-delimited message that `body` writes. */
export function writeMessage(w: PbWriter, field: number, body: (w: PbWriter) => void): PbWriter {
  w.uint32((field << 3) | WIRE_BYTES).fork();
  body(w);
  return w.ldelim();
}

/** A length-delimited field's tag and length prefix, for splicing raw bytes. */
export function fieldHeader(field: number, length: number): Uint8Array {
  return Writer.create()
    .uint32((field << 3) | WIRE_BYTES)
    .uint32(length)
    .finish();
}

/** Concatenates byte pieces into one new buffer (the only copy a patch makes). */
export function concatBytes(pieces: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of pieces) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of pieces) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
