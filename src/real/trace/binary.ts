import { FLOAT16_MAX, Float16Row, float16Table, float32ToHalves, halvesToFloat32 } from './float16';
import { lastPromptPosition, type AnyTrace, type AttentionRow, type Trace } from './types';
import { TRACE_LIMITS, formatBytes } from './limits';
import {
  TraceFormatError,
  checkLayerCount,
  checkAttentionLayers,
  fail,
  parseTrace,
  readTraceMeta,
} from './read';
import { traceMetaJson } from './write';
import { Utf8Error, utf8Decode, utf8Encode } from './utf8';

/**
 * The binary trace container (docs/trace-binary.md): the same information as
 * the JSON form, with the attention rows as float16 (default) or float32
 * blocks after a JSON header that holds everything else.
 *
 *   bytes 0–7    magic "\x89RTRACE\n"
 *   bytes 8–11   container version, uint32 little-endian (1)
 *   bytes 12–15  header length H, uint32 little-endian
 *   bytes 16…    the header: UTF-8 JSON, H bytes
 *   zero padding to D, the next multiple of 64
 *   bytes D…     the rows: one block per token, promptAttention's first (if
 *                any), then generated[0], generated[1], …; a block is the
 *                token's rows layer after layer, each `length` values
 *                (position + 1; the prompt's: last prompt position + 1),
 *                little-endian
 *   the file ends where the rows end.
 *
 * The header's `rows` gives the layout: dtype, layers, byteOffset (D),
 * byteLength, and the byte offset of each block (`promptAttention`,
 * `generated[i]`), so one token's rows for a layer range are one contiguous
 * read. Readers check every claim against the file's size before reading rows.
 */

export const BINARY_TRACE_MAGIC = Uint8Array.of(0x89, 0x52, 0x54, 0x52, 0x41, 0x43, 0x45, 0x0a);
export const BINARY_CONTAINER_VERSION = 1;
/** Magic, container version, header length. */
export const BINARY_PREFIX_BYTES = 16;
const ALIGN = 64;

export type RowDtype = 'float16' | 'float32';

export interface BinaryLayout {
  dtype: RowDtype;
  layers: number;
  /** Where the rows start (D) and how many bytes they take. */
  byteOffset: number;
  byteLength: number;
  /** Absolute byte offset of promptAttention's block, or null when the trace has none. */
  promptAttention: number | null;
  /** Absolute byte offset of each generated token's block. */
  generated: number[];
}

const bytesPer = (dtype: RowDtype) => (dtype === 'float16' ? 2 : 4);

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export function isBinaryTrace(head: Uint8Array): boolean {
  if (head.length < BINARY_TRACE_MAGIC.length) return false;
  return BINARY_TRACE_MAGIC.every((b, i) => head[i] === b);
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function putU32(bytes: Uint8Array, at: number, v: number): void {
  bytes[at] = v & 0xff;
  bytes[at + 1] = (v >>> 8) & 0xff;
  bytes[at + 2] = (v >>> 16) & 0xff;
  bytes[at + 3] = (v >>> 24) & 0xff;
}

const align = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/** Row lengths of each block, prompt's first when present. */
function blockLengths(trace: Pick<AnyTrace, 'imagePositions' | 'prompt' | 'generated'>, prompt: boolean) {
  return {
    prompt: prompt ? lastPromptPosition(trace) + 1 : 0,
    generated: trace.generated.map((t) => t.position + 1),
  };
}

/** The layout for a trace whose header takes `headerBytes`. */
export function layoutFor(
  trace: Pick<AnyTrace, 'imagePositions' | 'prompt' | 'generated'>,
  layers: number,
  dtype: RowDtype,
  hasPrompt: boolean,
  headerBytes: number,
): BinaryLayout {
  const lengths = blockLengths(trace, hasPrompt);
  const byteOffset = align(BINARY_PREFIX_BYTES + headerBytes);
  const per = bytesPer(dtype) * layers;
  let at = byteOffset;
  const promptAttention = hasPrompt ? at : null;
  at += lengths.prompt * per;
  const generated = lengths.generated.map((n) => {
    const o = at;
    at += n * per;
    return o;
  });
  return { dtype, layers, byteOffset, byteLength: at - byteOffset, promptAttention, generated };
}

// ---------------------------------------------------------------- reading

/** Stage 1: from the first 16 bytes and the file's size, the header's length (checked). */
export function readBinaryPrefix(head: Uint8Array, fileSize: number): { headerLength: number } {
  if (!isBinaryTrace(head)) fail('(file)', 'not a binary trace (no "\\x89RTRACE\\n" magic)');
  if (head.length < BINARY_PREFIX_BYTES || fileSize < BINARY_PREFIX_BYTES) {
    fail(
      '(file)',
      `truncated: a binary trace starts with ${BINARY_PREFIX_BYTES} bytes, this one has ${fileSize}`,
    );
  }
  if (fileSize > TRACE_LIMITS.binaryFileBytes) {
    fail(
      '(file)',
      `${formatBytes(fileSize)}, past the limit of ${formatBytes(TRACE_LIMITS.binaryFileBytes)}`,
    );
  }
  const version = u32(head, 8);
  if (version !== BINARY_CONTAINER_VERSION) {
    fail(
      '(file)',
      `binary container version ${version}; this reader knows version ${BINARY_CONTAINER_VERSION}`,
    );
  }
  const headerLength = u32(head, 12);
  if (headerLength > TRACE_LIMITS.binaryHeaderBytes) {
    fail(
      'header',
      `${formatBytes(headerLength)}, past the limit of ${formatBytes(TRACE_LIMITS.binaryHeaderBytes)}`,
    );
  }
  if (BINARY_PREFIX_BYTES + headerLength > fileSize) {
    fail(
      '(file)',
      `truncated: the header claims ${headerLength} bytes, the file has ${fileSize - BINARY_PREFIX_BYTES} after its first ${BINARY_PREFIX_BYTES}`,
    );
  }
  return { headerLength };
}

function expectOffset(v: unknown, field: string, want: number): void {
  if (v !== want)
    fail(
      field,
      `expected ${want} (the layout the header's positions and layers give), got ${JSON.stringify(v)}`,
    );
}

/**
 * Stage 2: the header, validated as a trace without rows, and its layout,
 * checked against the positions, the layers and the file's size, before any
 * row is read.
 */
export function readBinaryHeader(
  headerBytes: Uint8Array,
  fileSize: number,
): { meta: Trace<never>; layout: BinaryLayout } {
  let json: unknown;
  try {
    json = JSON.parse(utf8Decode(headerBytes));
  } catch (e) {
    const why = e instanceof Utf8Error ? e.message : `not JSON (${(e as Error).message})`;
    throw new TraceFormatError('header', why);
  }
  const h = json as Record<string, unknown>;
  if (typeof h === 'object' && h !== null && !Array.isArray(h)) {
    if (h.promptAttention !== undefined)
      fail('promptAttention', 'a binary trace keeps its rows in blocks, not in its header');
    (Array.isArray(h.generated) ? h.generated : []).forEach((t, i) => {
      if (typeof t === 'object' && t !== null && 'attention' in t)
        fail(`generated[${i}].attention`, 'a binary trace keeps its rows in blocks, not in its header');
    });
  }
  const meta = readTraceMeta(json);
  const r = h.rows;
  if (typeof r !== 'object' || r === null || Array.isArray(r))
    fail('rows', 'expected the rows layout object');
  const rows = r as Record<string, unknown>;
  if (rows.dtype !== 'float16' && rows.dtype !== 'float32')
    fail('rows.dtype', 'expected "float16" or "float32"');
  const layers = rows.layers;
  if (typeof layers !== 'number' || !Number.isInteger(layers) || layers < 1) {
    fail('rows.layers', 'expected a whole number ≥ 1');
  }
  checkLayerCount('rows.layers', layers, layers);
  checkAttentionLayers(meta, layers);
  if (rows.promptAttention !== null && typeof rows.promptAttention !== 'number') {
    fail('rows.promptAttention', 'expected the byte offset of its block, or null');
  }
  const hasPrompt = rows.promptAttention !== null;
  const lengths = blockLengths(meta, hasPrompt);
  const values = layers * (lengths.prompt + lengths.generated.reduce((a, b) => a + b, 0));
  if (values > TRACE_LIMITS.values) {
    fail('rows', `${values} attention values, past the limit of ${TRACE_LIMITS.values}`);
  }
  const want = layoutFor(meta, layers, rows.dtype, hasPrompt, headerBytes.length);
  expectOffset(rows.byteOffset, 'rows.byteOffset', want.byteOffset);
  expectOffset(rows.byteLength, 'rows.byteLength', want.byteLength);
  if (hasPrompt) expectOffset(rows.promptAttention, 'rows.promptAttention', want.promptAttention!);
  if (!Array.isArray(rows.generated))
    fail('rows.generated', 'expected the byte offset of each generated token');
  if (rows.generated.length !== want.generated.length) {
    fail(
      'rows.generated',
      `expected ${want.generated.length} offsets (one per generated token), got ${rows.generated.length}`,
    );
  }
  want.generated.forEach((o, i) => expectOffset((rows.generated as unknown[])[i], `rows.generated[${i}]`, o));
  const end = want.byteOffset + want.byteLength;
  if (fileSize < end) {
    fail('(file)', `truncated: the rows end at byte ${end}, the file has ${fileSize} bytes`);
  }
  if (fileSize > end)
    fail('(file)', `${fileSize} bytes, but the rows end at byte ${end} (extra bytes after them)`);
  return { meta, layout: want };
}

function swapBytes(bytes: Uint8Array, size: 2 | 4): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k];
  }
  return out;
}

const F16_NAMES: Record<number, string> = { 0x7c00: 'Infinity', 0xfc00: '-Infinity' };

/** Every value finite and ≥ 0, or an error naming the exact value's field. */
function checkBlock(block: Uint8Array, dtype: RowDtype, length: number, field: string): void {
  let bad = -1;
  let what = '';
  if (dtype === 'float16') {
    const v = new Uint16Array(block.buffer, block.byteOffset, block.length / 2);
    for (let i = 0; i < v.length; i++) {
      const h = v[i];
      // Exponent all ones: Infinity or NaN; sign bit: negative (−0 is ≥ 0, and allowed).
      if ((h & 0x7c00) === 0x7c00 || (h & 0x8000 && h !== 0x8000)) {
        bad = i;
        const value = F16_NAMES[h] ?? ((h & 0x7c00) === 0x7c00 ? 'NaN' : String(float16Table()[h]));
        what = `${value} (float16 bits 0x${h.toString(16).padStart(4, '0')})`;
        break;
      }
    }
  } else {
    const v = new Float32Array(block.buffer, block.byteOffset, block.length / 4);
    for (let i = 0; i < v.length; i++) {
      if (!(v[i] >= 0 && v[i] !== Infinity)) {
        bad = i;
        what = String(v[i]);
        break;
      }
    }
  }
  if (bad >= 0) {
    fail(
      `${field}[${Math.floor(bad / length)}][${bad % length}]`,
      `expected a finite number ≥ 0, got ${what}`,
    );
  }
}

function viewRows(block: Uint8Array, dtype: RowDtype, layers: number, length: number): AttentionRow[] {
  const out: AttentionRow[] = [];
  const per = bytesPer(dtype);
  for (let l = 0; l < layers; l++) {
    const at = block.byteOffset + l * length * per;
    out.push(
      dtype === 'float16'
        ? new Float16Row(new Uint16Array(block.buffer, at, length))
        : new Float32Array(block.buffer, at, length),
    );
  }
  return out;
}

export interface AttachOptions {
  /** Skip the value scan: the rows were checked already (by the worker that read them). */
  trusted?: boolean;
}

/**
 * Stage 3: the trace, with rows as views into `rows` (the rows section,
 * exactly `layout.byteLength` bytes; a SharedArrayBuffer is fine). float16
 * rows stay float16 (Float16Row). Values are checked unless `trusted`.
 */
export function attachBinaryRows(
  meta: Trace<never>,
  layout: BinaryLayout,
  rows: Uint8Array,
  options: AttachOptions = {},
): AnyTrace {
  const steps = attachBinaryRowsSteps(meta, layout, rows, options, Infinity);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * attachBinaryRows in steps of `chunk` tokens, yielding the tokens done, so
 * a page can map tens of thousands of rows without one long task.
 */
export function* attachBinaryRowsSteps(
  meta: Trace<never>,
  layout: BinaryLayout,
  rows: Uint8Array,
  options: AttachOptions = {},
  chunk = 64,
): Generator<number, AnyTrace> {
  if (rows.length !== layout.byteLength) {
    fail('(file)', `truncated: expected ${layout.byteLength} bytes of rows, got ${rows.length}`);
  }
  const per = bytesPer(layout.dtype);
  let data = rows;
  if (!littleEndian) data = swapBytes(rows, per);
  else if (data.byteOffset % per !== 0) data = new Uint8Array(rows); // a copy: typed-array views need aligned offsets
  const trace = meta as unknown as AnyTrace;
  const block = (offset: number, length: number, field: string) => {
    const start = offset - layout.byteOffset;
    const b = data.subarray(start, start + length * layout.layers * per);
    if (!options.trusted) checkBlock(b, layout.dtype, length, field);
    return viewRows(b, layout.dtype, layout.layers, length);
  };
  if (layout.promptAttention !== null) {
    trace.promptAttention = block(layout.promptAttention, lastPromptPosition(meta) + 1, 'promptAttention');
  }
  for (let i = 0; i < trace.generated.length; i++) {
    if (i > 0 && i % chunk === 0) yield i;
    const t = trace.generated[i];
    t.attention = block(layout.generated[i], t.position + 1, `generated[${i}].attention`);
  }
  return trace;
}

/**
 * Stage 2b: the bytes between the header's end and the rows (`from` is the
 * file offset of `padding[0]`) must be zeros, as the layout says: a writer
 * that put anything there is not this format's.
 */
export function checkBinaryPadding(padding: Uint8Array, from: number): void {
  const i = padding.findIndex((b) => b !== 0);
  if (i >= 0) fail('(file)', `byte ${from + i} is padding before the rows and must be 0, not ${padding[i]}`);
}

/** The file offsets of the padding between a header of `headerLength` bytes and the rows. */
export function binaryPaddingRange(headerLength: number, layout: BinaryLayout): [number, number] {
  return [BINARY_PREFIX_BYTES + headerLength, layout.byteOffset];
}

/** A whole binary trace file in memory. */
export function parseBinaryTrace(bytes: Uint8Array): AnyTrace {
  const { headerLength } = readBinaryPrefix(bytes.subarray(0, BINARY_PREFIX_BYTES), bytes.length);
  const header = bytes.subarray(BINARY_PREFIX_BYTES, BINARY_PREFIX_BYTES + headerLength);
  const { meta, layout } = readBinaryHeader(header, bytes.length);
  const [from, to] = binaryPaddingRange(headerLength, layout);
  checkBinaryPadding(bytes.subarray(from, to), from);
  return attachBinaryRows(meta, layout, bytes.subarray(layout.byteOffset));
}

/** A trace file's bytes, either form (sniffed by the magic bytes); JSON may start with a byte-order mark. */
export function parseTraceBytes(bytes: Uint8Array): AnyTrace {
  if (isBinaryTrace(bytes)) return parseBinaryTrace(bytes);
  let text: string;
  try {
    text = utf8Decode(bytes);
  } catch (e) {
    throw new TraceFormatError('(file)', `not JSON (${(e as Error).message})`);
  }
  return parseTrace(text);
}

// ---------------------------------------------------------------- writing

export interface BinaryParts {
  /** The file's size in bytes. */
  size: number;
  layout: BinaryLayout;
  /** The prefix and header, then one part per block: write or Blob them in order. */
  parts: Generator<Uint8Array>;
}

/** Float16 can hold values up to 65504: a larger one is an error naming its field, not an Infinity. */
function toHalves(row: AttentionRow, out: Uint16Array, field: string): void {
  if (!(row instanceof Float32Array)) {
    out.set(row.bits);
    return;
  }
  float32ToHalves(row, out);
  for (let i = 0; i < out.length; i++) {
    if ((out[i] & 0x7c00) === 0x7c00) {
      fail(
        `${field}[${i}]`,
        `${row[i]} is past float16's range (${FLOAT16_MAX}); write this trace as float32`,
      );
    }
  }
}

function blockBytes(
  rows: readonly AttentionRow[],
  dtype: RowDtype,
  length: number,
  field: string,
): Uint8Array {
  const layers = rows.length;
  if (dtype === 'float16') {
    const out = new Uint16Array(layers * length);
    rows.forEach((row, l) => toHalves(row, out.subarray(l * length, (l + 1) * length), `${field}[${l}]`));
    const b = new Uint8Array(out.buffer);
    return littleEndian ? b : swapBytes(b, 2);
  }
  const out = new Float32Array(layers * length);
  rows.forEach((row, l) =>
    out.set(row instanceof Float32Array ? row : halvesToFloat32(row.bits), l * length),
  );
  const b = new Uint8Array(out.buffer);
  return littleEndian ? b : swapBytes(b, 4);
}

/**
 * The binary form in parts (no buffer of the whole file), float16 by
 * default. The trace's rows are assumed valid (as any reader leaves them);
 * a value past float16's range stops the writing with an error naming it.
 */
export function binaryTraceParts(trace: AnyTrace, dtype: RowDtype = 'float16'): BinaryParts {
  const layers = trace.generated[0]?.attention.length ?? trace.promptAttention?.length ?? 0;
  if (layers === 0)
    fail('generated', 'a binary trace needs rows: this trace has no generated token and no promptAttention');
  const hasPrompt = trace.promptAttention !== undefined;
  // The header holds its own layout, whose offsets depend on the header's length: settle that first.
  const meta = traceMetaJson(trace);
  let headerLength = 0;
  let header: Uint8Array;
  let layout: BinaryLayout;
  for (let tries = 0; ; tries++) {
    if (tries > 16) throw new Error('binary trace header: its layout did not settle');
    layout = layoutFor(trace, layers, dtype, hasPrompt, headerLength);
    const rows = {
      dtype,
      layers,
      byteOffset: layout.byteOffset,
      byteLength: layout.byteLength,
      promptAttention: layout.promptAttention,
      generated: layout.generated,
    };
    header = utf8Encode(JSON.stringify({ ...meta, rows }));
    if (align(BINARY_PREFIX_BYTES + header.length) === layout.byteOffset) break;
    headerLength = header.length;
  }
  const finalLayout = layout;
  const first = new Uint8Array(finalLayout.byteOffset);
  first.set(BINARY_TRACE_MAGIC, 0);
  putU32(first, 8, BINARY_CONTAINER_VERSION);
  putU32(first, 12, header.length);
  first.set(header, BINARY_PREFIX_BYTES);
  function* parts(): Generator<Uint8Array> {
    yield first;
    const prompt = lastPromptPosition(trace) + 1;
    if (trace.promptAttention) yield blockBytes(trace.promptAttention, dtype, prompt, 'promptAttention');
    for (let i = 0; i < trace.generated.length; i++) {
      const t = trace.generated[i];
      yield blockBytes(t.attention, dtype, t.position + 1, `generated[${i}].attention`);
    }
  }
  return { size: finalLayout.byteOffset + finalLayout.byteLength, layout: finalLayout, parts: parts() };
}

// ---------------------------------------------------------------- in memory

/** The trace without its rows (what a worker sends beside a shared buffer of rows). */
export function withoutRows(trace: AnyTrace): Trace<never> {
  const meta = { ...trace, generated: trace.generated.map((t) => ({ ...t, attention: [] })) };
  delete meta.promptAttention;
  return meta as Trace<never>;
}

/**
 * The trace's rows packed into one buffer from `allocate` (a SharedArrayBuffer
 * in the app's trace worker), laid out as a binary file's rows section;
 * `attachBinaryRows(withoutRows(trace), layout, rows)` gives the trace back.
 */
export function packTraceRows(
  trace: AnyTrace,
  dtype: RowDtype,
  allocate: (bytes: number) => Uint8Array,
): { layout: BinaryLayout; rows: Uint8Array } {
  const layers = trace.generated[0]?.attention.length ?? trace.promptAttention?.length ?? 0;
  const layout = layoutFor(trace, layers, dtype, trace.promptAttention !== undefined, 0);
  const rows = allocate(layout.byteLength);
  const put = (offset: number, r: readonly AttentionRow[], length: number, field: string) =>
    rows.set(blockBytes(r, dtype, length, field), offset - layout.byteOffset);
  if (trace.promptAttention && layout.promptAttention !== null) {
    put(layout.promptAttention, trace.promptAttention, lastPromptPosition(trace) + 1, 'promptAttention');
  }
  trace.generated.forEach((t, i) =>
    put(layout.generated[i], t.attention, t.position + 1, `generated[${i}].attention`),
  );
  return { layout, rows };
}
