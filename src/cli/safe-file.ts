import { constants, type Stats } from 'node:fs';
import { fstatSync, lstatSync, openSync, closeSync, readSync, realpathSync, statSync } from 'node:fs';
import { open as openAsync } from 'node:fs/promises';
import { constants as bufferConstants } from 'node:buffer';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MAX_IMAGE_FILE_BYTES } from '../workers/engine/image';

/**
 * The one place the CLI opens input files. A file is read only when it is a
 * regular file (stat before open, and the open itself never blocks, so a
 * FIFO or /dev/zero is refused at once), no bigger than its kind's cap, and,
 * where a folder is involved, only when its real path (symlinks followed)
 * stays inside that folder. Output names made from ids go through
 * `outputFileFor`, which cannot leave its folder either.
 */

export type InputKind =
  'trace' | 'trace-binary' | 'trace-json-stream' | 'image' | 'mask' | 'index' | 'manifest' | 'package-file';

const MiB = 1024 * 1024;

/** Size caps per kind of input: far above real inputs, far below what would exhaust memory. */
export const SIZE_LIMITS: Readonly<Record<InputKind, number>> = {
  // A JSON trace becomes one string; V8 strings stop at ~512 MiB anyway.
  trace: 512 * MiB,
  // The binary form (docs/trace-binary.md) is one Buffer whose rows are used in place.
  'trace-binary': Math.min(bufferConstants.MAX_LENGTH, 16384 * MiB),
  // A JSON trace read in chunks by the streaming parser (no string, no buffer of the file).
  'trace-json-stream': 4096 * MiB,
  image: MAX_IMAGE_FILE_BYTES,
  mask: 64 * MiB,
  index: 16 * MiB,
  manifest: 16 * MiB,
  // An ONNX file of a model package: one Buffer, whose limit is Node's.
  'package-file': Math.min(bufferConstants.MAX_LENGTH, 8192 * MiB),
};

const KIND_WORDS: Record<InputKind, string> = {
  trace: 'a trace',
  'trace-binary': 'a binary trace',
  'trace-json-stream': 'a JSON trace',
  image: 'an image',
  mask: 'a mask',
  index: 'an index',
  manifest: 'a manifest',
  'package-file': 'a package file',
};

/** An input the CLI refuses; the message names the file and says why, on one line. */
export class InputFileError extends Error {
  override name = 'InputFileError';
}

const mb = (n: number) => `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MB`;

export function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a folder, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

function errnoText(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

export interface ReadOptions {
  /** The file must really lie inside this folder (symlinks followed). */
  inside?: string;
}

/** `path` resolved, with its real path required inside `folder` when given. */
function checkPlace(path: string, folder: string | undefined): void {
  if (folder === undefined) return;
  let real: string;
  let root: string;
  try {
    root = realpathSync(folder);
    real = realpathSync(path);
  } catch (e) {
    throw new InputFileError(`${path}: cannot read (${errnoText(e)})`, { cause: e });
  }
  if (!isInside(root, real))
    throw new InputFileError(`${path}: leads outside ${folder} (to ${real}); refusing to read it`);
}

function isInside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

/** Stats `path` (following symlinks) and says why it cannot be read as `kind`, or returns the stats. */
function preflight(path: string, kind: InputKind, options: ReadOptions): Stats {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    throw new InputFileError(`${path}: cannot read (${errnoText(e)})`, { cause: e });
  }
  const why = notRegular(st);
  if (why) throw new InputFileError(`${path}: ${why}`);
  checkPlace(path, options.inside);
  checkSize(path, kind, st.size);
  return st;
}

function checkSize(path: string, kind: InputKind, size: number): void {
  if (size > SIZE_LIMITS[kind])
    throw new InputFileError(
      `${path}: ${mb(size)} is too large for ${KIND_WORDS[kind]} (the limit is ${mb(SIZE_LIMITS[kind])})`,
    );
}

// O_NONBLOCK: if the path was swapped for a FIFO after the stat, open still returns at once.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

function sameFile(a: Stats, b: Stats) {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens an input file under the rules: checked before the open, and the open
 * file checked again (still regular, the same file, within its size cap).
 * The caller closes the descriptor.
 */
function openChecked(path: string, kind: InputKind, options: ReadOptions): { fd: number; size: number } {
  const before = preflight(path, kind, options);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw new InputFileError(`${path}: cannot read (${errnoText(e)})`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    const why = notRegular(st);
    if (why) throw new InputFileError(`${path}: ${why}`);
    if (!sameFile(st, before)) throw new InputFileError(`${path}: changed while being opened`);
    checkSize(path, kind, st.size);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Runs `use` on a checked input file's open descriptor and size (the same rules), then closes it. */
export function withInputFile<T>(
  path: string,
  kind: InputKind,
  options: ReadOptions,
  use: (fd: number, size: number) => T,
): T {
  const { fd, size } = openChecked(path, kind, options);
  try {
    return use(fd, size);
  } finally {
    closeSync(fd);
  }
}

/**
 * The most one read call asks for: a single read stops at 2 GiB (and Node
 * refuses a length past it), so a file of any size is read in these steps.
 */
export const READ_STEP = 64 * MiB;

/** The bytes of a regular input file (see the module comment for the rules). */
export function readInputFile(path: string, kind: InputKind, options: ReadOptions = {}): Buffer {
  const { fd, size } = openChecked(path, kind, options);
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, Math.min(READ_STEP, size - got), got);
      if (n === 0) break;
      got += n;
    }
    if (got !== size || readSync(fd, Buffer.alloc(1), 0, 1, got) !== 0)
      throw new InputFileError(`${path}: changed size while being read`);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/**
 * The same rules, the file read in chunks of `chunkBytes` (one buffer,
 * reused: a consumer keeps what it needs before asking for the next).
 */
export function* readInputChunks(
  path: string,
  kind: InputKind,
  options: ReadOptions = {},
  chunkBytes = 16 * MiB,
): Generator<Uint8Array> {
  const { fd, size } = openChecked(path, kind, options);
  try {
    const buf = new Uint8Array(Math.min(chunkBytes, Math.max(1, size)));
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, size - got), got);
      if (n === 0) break;
      got += n;
      yield buf.subarray(0, n);
    }
    if (got !== size || readSync(fd, Buffer.alloc(1), 0, 1, got) !== 0)
      throw new InputFileError(`${path}: changed size while being read`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The same, without blocking the event loop (model package files), read in
 * steps of READ_STEP into a new buffer of the file's size, or into `into`,
 * whose length must be the file's size (a piece of a larger buffer).
 */
export async function readInputFileAsync(
  path: string,
  kind: InputKind,
  options: ReadOptions = {},
  into?: Uint8Array,
): Promise<Uint8Array> {
  const before = preflight(path, kind, options);
  let handle;
  try {
    handle = await openAsync(path, OPEN_FLAGS);
  } catch (e) {
    throw new InputFileError(`${path}: cannot read (${errnoText(e)})`, { cause: e });
  }
  try {
    const st = await handle.stat();
    const why = notRegular(st);
    if (why) throw new InputFileError(`${path}: ${why}`);
    if (!sameFile(st, before)) throw new InputFileError(`${path}: changed while being opened`);
    checkSize(path, kind, st.size);
    if (into && into.length !== st.size)
      throw new InputFileError(`${path}: has ${st.size} bytes, the buffer for it ${into.length}`);
    const buf = into ?? new Uint8Array(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await handle.read(buf, got, Math.min(READ_STEP, st.size - got), got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got !== st.size || (await handle.read(new Uint8Array(1), 0, 1, got)).bytesRead !== 0)
      throw new InputFileError(`${path}: changed size while being read`);
    return buf;
  } finally {
    await handle.close();
  }
}

/** UTF-8 text of an input file (a byte-order mark is dropped, as TextDecoder does). */
export function readInputText(path: string, kind: InputKind, options: ReadOptions = {}): string {
  return new TextDecoder().decode(readInputFile(path, kind, options));
}

/**
 * A path that an index or manifest gives relative to `folder`, resolved and
 * required to stay inside it (lexically here; `readInputFile` with
 * `{ inside: folder }` checks the real path when it is read).
 */
export function pathInside(folder: string, rel: string, field: string): string {
  if (typeof rel !== 'string' || rel === '') throw new InputFileError(`${field}: expected a file path`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f]/.test(rel)) throw new InputFileError(`${field}: the path has control characters`);
  if (isAbsolute(rel) || rel.includes('\\'))
    throw new InputFileError(`${field} ${JSON.stringify(rel)}: expected a path relative to ${folder}`);
  const full = resolve(folder, rel);
  if (!isInside(resolve(folder), full))
    throw new InputFileError(`${field} ${JSON.stringify(rel)}: leads outside ${folder}`);
  return full;
}

/**
 * A plain file name made from an id (an index entry's `id`), or an error
 * naming `field`: no folder separators, no "..", no control characters, so
 * the file it names cannot leave its folder.
 */
export function fileNameFromId(id: string, field: string): string {
  const why =
    id === ''
      ? 'is empty'
      : id.length > 200
        ? 'is longer than 200 characters'
        : /[/\\]/.test(id)
          ? 'has "/" or "\\"'
          : // eslint-disable-next-line no-control-regex
            /[\u0000-\u001f\u007f]/.test(id)
            ? 'has control characters'
            : id.startsWith('.')
              ? 'starts with "."'
              : null;
  if (why)
    throw new InputFileError(
      `${field} ${JSON.stringify(id)}: ${why}; an id used as a file name must be a plain name`,
    );
  return id;
}

/**
 * The path of `<id><ext>` in `folder`, checked to stay there: the id is a
 * plain name, and an existing entry of that name must be a regular file (so
 * a symlink planted in the folder is not written through).
 */
export function outputFileFor(folder: string, id: string, ext: string, field: string): string {
  const name = fileNameFromId(id, field) + ext;
  const path = join(folder, name);
  if (resolve(path, '..') !== resolve(folder))
    throw new InputFileError(`${field} ${JSON.stringify(id)}: leads outside ${folder}`);
  try {
    const st = lstatSync(path);
    if (!st.isFile())
      throw new InputFileError(`${path}: exists and is not a regular file; refusing to write through it`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return path;
}
