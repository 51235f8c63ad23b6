import { randomBytes } from 'node:crypto';
import { closeSync, constants, lstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { binaryTraceParts, traceJsonParts, type AnyTrace, type RowDtype } from '../real';
import { notRegular } from './safe-file';

/**
 * Writes a trace file in parts (one per token), never as one string or one
 * buffer of the whole: the JSON form, or the binary form (docs/trace-binary.md)
 * in float16 or float32. The file appears complete or not at all: parts go to
 * a temporary file created exclusively beside it (never through a planted
 * link), renamed over it when the last is written. The output must be a
 * regular file or absent: a folder, a device, a FIFO, a socket or a symbolic
 * link is refused, not replaced.
 */
export type TraceForm = { form: 'json' } | { form: 'binary'; dtype: RowDtype };

export class OutputFileError extends Error {
  override name = 'OutputFileError';
}

/** `.json` is the JSON form; any other name (`.rtrace` by convention) the binary form. */
export function formForPath(path: string, dtype: RowDtype = 'float16'): TraceForm {
  return path.toLowerCase().endsWith('.json') ? { form: 'json' } : { form: 'binary', dtype };
}

/** Refuses an output path that exists and is not a regular file (lstat: a link is not followed). */
export function checkOutputPath(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new OutputFileError(`${path}: cannot write (${(e as NodeJS.ErrnoException).code ?? e})`, {
      cause: e,
    });
  }
  if (st.isSymbolicLink())
    throw new OutputFileError(
      `${path}: is a symbolic link; refusing to write through it (give a plain file name)`,
    );
  const why = notRegular(st);
  if (why) throw new OutputFileError(`${path}: ${why}; refusing to replace it (give a plain file name)`);
}

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0);

export function writeTraceFile(path: string, trace: AnyTrace, form: TraceForm): number {
  checkOutputPath(path);
  const temp = join(
    dirname(path),
    `.${basename(path)}.partial-${process.pid}-${randomBytes(6).toString('hex')}`,
  );
  let fd: number;
  try {
    fd = openSync(temp, EXCLUSIVE, 0o666);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'its folder does not exist' : (code ?? String(e));
    throw new OutputFileError(`${path}: cannot write (${why})`, { cause: e });
  }
  let bytes = 0;
  try {
    const parts: Iterable<string | Uint8Array> =
      form.form === 'json' ? traceJsonParts(trace) : binaryTraceParts(trace, form.dtype).parts;
    for (const part of parts) bytes += writeAll(fd, part);
    closeSync(fd);
    // Checked again just before the rename: what appeared at the path meanwhile is not replaced either.
    checkOutputPath(path);
    renameSync(temp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw e;
  }
  return bytes;
}

function writeAll(fd: number, part: string | Uint8Array): number {
  const b = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done);
  return b.length;
}
