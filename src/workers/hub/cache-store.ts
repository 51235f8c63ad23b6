/**
 * Cache Storage for repo files, so a second load works offline. Only
 * complete files go in. A file is written from the buffer that holds it in
 * slices of 4 MiB, and read back straight into a buffer of its size, so a
 * file of hundreds of megabytes is never held twice. Files the repo lacks
 * are remembered too (a 404 marker), so planning works offline. Where there
 * is no Cache Storage (Node, an opaque origin) every method is a no-op.
 */
import { streamInto } from './source';

const SIZE_HEADER = 'x-real-inspector-bytes';
const ABSENT_HEADER = 'x-real-inspector-absent';
const SLICE = 4 * 2 ** 20;

export class RepoCache {
  private constructor(private cache: Cache) {}

  static async open(name: string | null): Promise<RepoCache | null> {
    if (!name || typeof caches === 'undefined') return null;
    try {
      return new RepoCache(await caches.open(name));
    } catch {
      return null; // e.g. an opaque origin: work without the cache
    }
  }

  /** The cached size: a number, null for a file remembered as absent, undefined when not cached. */
  async size(url: string): Promise<number | null | undefined> {
    const hit = await this.cache.match(url);
    if (!hit) return undefined;
    void hit.body?.cancel().catch(() => {});
    if (hit.headers.get(ABSENT_HEADER)) return null;
    const n = Number(hit.headers.get(SIZE_HEADER));
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  }

  /** Fills `target` from the cache; false when the entry is missing or not of target's size. */
  async readInto(url: string, target: Uint8Array, onBytes: (n: number) => void, signal?: AbortSignal) {
    const hit = await this.cache.match(url);
    if (!hit || hit.headers.get(ABSENT_HEADER) || Number(hit.headers.get(SIZE_HEADER)) !== target.length) {
      void hit?.body?.cancel().catch(() => {});
      return false;
    }
    if (!hit.body) return target.length === 0;
    const got = await streamInto(hit.body, target, 0, url, onBytes, signal);
    if (got !== target.length) {
      await this.cache.delete(url);
      return false;
    }
    return true;
  }

  async put(url: string, bytes: Uint8Array): Promise<void> {
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        const end = Math.min(at + SLICE, bytes.length);
        c.enqueue(bytes.slice(at, end));
        at = end;
      },
    });
    const headers = { 'content-length': String(bytes.length), [SIZE_HEADER]: String(bytes.length) };
    try {
      await this.cache.put(url, new Response(body, { headers }));
    } catch {
      /* a full disk or a quota: the file still loads, it just is not kept */
    }
  }

  async putAbsent(url: string): Promise<void> {
    try {
      await this.cache.put(url, new Response(null, { status: 404, headers: { [ABSENT_HEADER]: '1' } }));
    } catch {
      /* see put */
    }
  }

  async delete(url: string): Promise<void> {
    await this.cache.delete(url).catch(() => false);
  }
}
