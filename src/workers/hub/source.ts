/**
 * Where a repo's files come from: a folder on disk (the CLI), the files of a
 * folder the user picked (the browser), or a URL (a base URL or a hub repo
 * id). Paths are repo-relative ("onnx/x.onnx"); every source refuses one
 * that could leave the repo (the shared rule of package-path.ts) before it
 * touches anything.
 */
import { HubError } from './hub-error';

/** The largest file one Uint8Array can hold (and so onnxruntime's externalData). */
export const MAX_FILE_BYTES = 2 ** 32;

export interface ReadProgress {
  /** Bytes of this file in hand. */
  loaded: number;
  total: number;
  fromCache: boolean;
  /** Set on the event where an interrupted download resumed (the byte it resumed at). */
  resumedFrom?: number;
}

export interface ReadOptions {
  onProgress?: (p: ReadProgress) => void;
  signal?: AbortSignal;
  /**
   * Read into this view, whose length must be the file's size (pieces of one
   * data file fill one preallocated buffer); by default a new buffer of the
   * file's size.
   */
  into?: Uint8Array;
  /** Refuse a larger file (on top of the source's own cap). */
  maxBytes?: number;
}

export interface RepoSource {
  /** The folder or URL, for messages. */
  readonly where: string;
  /** A folder on disk, files the user picked, or HTTP (the only kind that downloads). */
  readonly kind: 'folder' | 'files' | 'http';
  /** Whether a read would come from Cache Storage rather than the network (HTTP only). */
  cached?(path: string): Promise<boolean>;
  /** The file's size in bytes, or null when the repo has no such file; nothing is downloaded. */
  size(path: string, signal?: AbortSignal): Promise<number | null>;
  exists(path: string, signal?: AbortSignal): Promise<boolean>;
  /** The whole file, read into one buffer of its size (never chunks concatenated). */
  read(path: string, options?: ReadOptions): Promise<Uint8Array>;
}

/** The buffer a read fills: `into` (checked) or a new one of `size` bytes. */
export function targetFor(path: string, size: number, options: ReadOptions | undefined): Uint8Array {
  const cap = Math.min(options?.maxBytes ?? MAX_FILE_BYTES, MAX_FILE_BYTES);
  if (size > cap) throw new HubError(path, `has ${size} bytes, more than the ${cap} this loader reads`);
  if (options?.into) {
    if (options.into.length !== size)
      throw new HubError(path, `has ${size} bytes, the buffer for it ${options.into.length}`);
    return options.into;
  }
  return new Uint8Array(size);
}

/**
 * Copies a stream into target[from…], refusing more bytes than target
 * holds; returns the offset reached (less than target.length when the
 * stream ended early). A stream error propagates with `reached` on it.
 */
export async function streamInto(
  body: ReadableStream<Uint8Array>,
  target: Uint8Array,
  from: number,
  path: string,
  onBytes: (reached: number) => void,
  signal?: AbortSignal,
): Promise<number> {
  const reader = body.getReader();
  let at = from;
  const onAbort = () => void reader.cancel().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await reader.read();
      } catch (e) {
        signal?.throwIfAborted();
        // A time limit (timed-fetch.ts) is final; anything else broke the transfer, which may resume.
        if (e instanceof HubError) throw e;
        throw Object.assign(new StreamBroke(e), { reached: at });
      }
      if (r.done) return at;
      if (at + r.value.length > target.length) {
        void reader.cancel().catch(() => {});
        throw new HubError(path, `sent more than the ${target.length} bytes it announced`);
      }
      target.set(r.value, at);
      at += r.value.length;
      onBytes(at);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.releaseLock?.();
  }
}

/** A transfer that broke off (a reset connection): the caller may resume at `reached`. */
export class StreamBroke extends Error {
  override name = 'StreamBroke';
  reached = 0;
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}
