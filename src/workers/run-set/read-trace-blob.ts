import { isBinaryTrace, parseBinaryTrace, parseTrace, TraceJsonReader, type AnyTrace } from '../../real';

/** JSON larger than this goes through the streaming parser (no string of the file), as in the trace worker. */
const STREAM_FROM = 32 * 1024 * 1024;
const CHUNK = 8 * 1024 * 1024;

/** A whole trace file of either form (sniffed by its magic bytes), checked by the trace readers. */
export async function readTraceBlob(file: Blob): Promise<AnyTrace> {
  const head = new Uint8Array(await file.slice(0, 8).arrayBuffer());
  if (isBinaryTrace(head)) return parseBinaryTrace(new Uint8Array(await file.arrayBuffer()));
  if (file.size <= STREAM_FROM) return parseTrace(await file.text());
  const reader = new TraceJsonReader();
  for (let at = 0; at < file.size; at += CHUNK)
    reader.push(new Uint8Array(await file.slice(at, Math.min(file.size, at + CHUNK)).arrayBuffer()));
  return reader.end();
}

/**
 * Category and defect from a path in MVTec AD's layout,
 * `…/<category>/test/<defect>/<name>` (`good` is a normal image); nulls for
 * any other layout.
 */
export function categoryFromPath(path: string): { category: string | null; defect: string | null } {
  const parts = path.split('/');
  for (let i = parts.length - 3; i >= 1; i--)
    if (parts[i] === 'test' || parts[i] === 'train') return { category: parts[i - 1], defect: parts[i + 1] };
  return { category: null, defect: null };
}
