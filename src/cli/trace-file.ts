import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import {
  BINARY_PREFIX_BYTES,
  BINARY_TRACE_MAGIC,
  TraceFormatError,
  binaryPaddingRange,
  checkBinaryPadding,
  isBinaryTrace,
  parseBinaryTrace,
  parseTrace,
  parseTraceChunks,
  readBinaryHeader,
  readBinaryPrefix,
  type AnyTrace,
} from '../real';
import { imageFormat } from '../workers/engine/image-header';
import { SIZE_LIMITS, readInputChunks, readInputFile, withInputFile, type ReadOptions } from './safe-file';

/**
 * Reads a trace file for a command, in either form (sniffed by the binary
 * form's magic bytes, docs/trace-binary.md), from a regular file within its
 * cap (safe-file.ts), never as one string of a large file:
 * - the binary form is one buffer whose rows are used in place;
 * - JSON up to STREAM_FROM is decoded and parsed as text (JSON.parse);
 *   larger JSON, up to 4 GiB, goes in chunks through the streaming parser;
 * - an image or other binary data is refused in one clean line first (a
 *   parser would quote its raw bytes).
 */
const STREAM_FROM = 32 * 1024 * 1024;

export function readTraceFile(path: string, options: ReadOptions = {}): AnyTrace {
  try {
    return readEitherForm(path, options);
  } catch (e) {
    // Format errors name the file, whichever command read it.
    throw e instanceof TraceFormatError && e.source === undefined ? e.in(path) : e;
  }
}

function readEitherForm(path: string, options: ReadOptions): AnyTrace {
  const head = headOf(path);
  if (head && isBinaryTrace(head)) {
    // The prefix, the header and the padding are checked against the file's size first, as the app's trace
    // worker does: a file whose claims are wrong is refused before its rows are read.
    withInputFile(path, 'trace-binary', options, (fd, size) => checkBinaryClaims(fd, size, head));
    return parseBinaryTrace(readInputFile(path, 'trace-binary', options));
  }
  if (head) refuseNonJson(path, head);
  const size = sizeOf(path);
  if (size !== null && size > STREAM_FROM) {
    return parseTraceChunks(
      readInputChunks(path, size > SIZE_LIMITS.trace ? 'trace-json-stream' : 'trace', options),
    );
  }
  const bytes = readInputFile(path, 'trace', options);
  refuseNonJson(path, bytes);
  return parseTrace(new TextDecoder().decode(bytes));
}

function checkBinaryClaims(fd: number, size: number, head: Uint8Array): void {
  const { headerLength } = readBinaryPrefix(head, size);
  const read = (from: number, to: number) => {
    const b = Buffer.alloc(to - from);
    let n = 0;
    while (n < b.length) {
      const got = readSync(fd, b, n, b.length - n, from + n);
      if (got === 0) break;
      n += got;
    }
    return b.subarray(0, n);
  };
  const { layout } = readBinaryHeader(read(BINARY_PREFIX_BYTES, BINARY_PREFIX_BYTES + headerLength), size);
  const [from, to] = binaryPaddingRange(headerLength, layout);
  checkBinaryPadding(read(from, to), from);
}

function refuseNonJson(path: string, bytes: Uint8Array): void {
  const format = imageFormat(bytes);
  if (format)
    throw new Error(
      `${path}: is a ${format.toUpperCase()} image, not a trace (a .json file that \`real run\` writes)`,
    );
  if (bytes.subarray(0, 4096).includes(0))
    throw new Error(`${path}: is binary data, not a trace (a .json file that \`real run\` writes)`);
}

function sizeOf(path: string): number | null {
  try {
    const st = statSync(path);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

/**
 * The first 4 KiB of a regular file (to sniff its form), or null: anything
 * that is not a readable regular file is left to safe-file.ts to refuse, in
 * its words.
 */
function headOf(path: string): Uint8Array | null {
  if (sizeOf(path) === null) return null;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(Math.max(BINARY_TRACE_MAGIC.length, 4096));
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
