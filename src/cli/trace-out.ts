import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { binaryTraceParts, traceJsonParts, type AnyTrace, type RowDtype } from '../real';

/**
 * Writes a trace file in parts (one per token), never as one string or one
 * buffer of the whole: the JSON form, or the binary form (docs/trace-binary.md)
 * in float16 or float32. The file appears complete or not at all: parts go to
 * a temporary file beside it, renamed when the last is written.
 */
export type TraceForm = { form: 'json' } | { form: 'binary'; dtype: RowDtype };

/** `.json` is the JSON form; any other name (`.rtrace` by convention) the binary form. */
export function formForPath(path: string, dtype: RowDtype = 'float16'): TraceForm {
  return path.toLowerCase().endsWith('.json') ? { form: 'json' } : { form: 'binary', dtype };
}

export function writeTraceFile(path: string, trace: AnyTrace, form: TraceForm): number {
  const temp = `${path}.partial-${process.pid}`;
  const fd = openSync(temp, 'w');
  let bytes = 0;
  try {
    const parts: Iterable<string | Uint8Array> =
      form.form === 'json' ? traceJsonParts(trace) : binaryTraceParts(trace, form.dtype).parts;
    for (const part of parts) bytes += writeAll(fd, part);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw e;
  }
  renameSync(temp, path);
  return bytes;
}

function writeAll(fd: number, part: string | Uint8Array): number {
  const b = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
  return b.length;
}
