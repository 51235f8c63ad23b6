import { closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import {
  BINARY_TRACE_MAGIC,
  isBinaryTrace,
  parseBinaryTrace,
  parseTrace,
  parseTraceChunks,
  type AnyTrace,
} from '../real';
import { imageFormat } from '../workers/engine/image-header';
import { SIZE_LIMITS, readInputChunks, readInputFile, type ReadOptions } from './safe-file';

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
  const head = headOf(path);
  if (head && isBinaryTrace(head)) return parseBinaryTrace(readInputFile(path, 'trace-binary', options));
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
