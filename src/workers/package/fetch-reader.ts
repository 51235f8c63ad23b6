import { guardedFetch, isOfficialHub } from '../hub/guarded-fetch';
import type { PackageReader } from './load';
import { packageUrl } from './package-path';

/**
 * Reads a package over HTTP(S): the app's own /models/… or a URL the user
 * gives (for example a Hugging Face repo's `resolve/main/` URL). Streams each
 * file with progress; with a Cache Storage name, verified files are kept so
 * the next load works offline.
 */
export class FetchReader implements PackageReader {
  readonly where: string;
  private base: string;

  constructor(
    baseUrl: string,
    private cacheName: string | null = null,
  ) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    this.where = baseUrl;
  }

  /** The file's URL under the package's base: decoded, normalised, never outside it (package-path.ts). */
  private url(path: string): string {
    return packageUrl(this.base, path).toString();
  }

  private async cache(): Promise<Cache | null> {
    if (!this.cacheName || typeof caches === 'undefined') return null;
    try {
      return await caches.open(this.cacheName);
    } catch {
      return null; // e.g. an opaque origin: work without the cache
    }
  }

  /**
   * The manifest is network-first (so a new version of the package is seen),
   * falling back to the cached copy offline; the other files are cache-first,
   * since the manifest's hashes check them.
   */
  async read(path: string, onProgress?: (loaded: number, total: number) => void, bypassCache = false) {
    const url = this.url(path);
    const cache = await this.cache();
    if (path === 'manifest.json') {
      try {
        const fresh = await this.fetchBytes(url, onProgress);
        await cache?.put(url, new Response(fresh as Uint8Array<ArrayBuffer>));
        return { bytes: fresh, fromCache: false };
      } catch (e) {
        const hit = await cache?.match(url);
        if (hit) return { bytes: new Uint8Array(await hit.arrayBuffer()), fromCache: true };
        throw e;
      }
    }
    const hit = bypassCache ? undefined : await cache?.match(url);
    if (hit) return { bytes: new Uint8Array(await hit.arrayBuffer()), fromCache: true };
    return { bytes: await this.fetchBytes(url, onProgress), fromCache: false };
  }

  private async fetchBytes(
    url: string,
    onProgress?: (loaded: number, total: number) => void,
  ): Promise<Uint8Array> {
    // No redirect to another origin (the hub's own CDN excepted), as for model repos.
    const res = await guardedFetch(new URL(url), {}, url, isOfficialHub(new URL(this.base)));
    if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText} for ${url}`);
    const total = Number(res.headers.get('content-length') ?? 0);
    if (!res.body) return new Uint8Array(await res.arrayBuffer());
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress?.(loaded, total || loaded);
    }
    const bytes = new Uint8Array(loaded);
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.length;
    }
    return bytes;
  }

  async keep(path: string, bytes: Uint8Array) {
    const cache = await this.cache();
    await cache?.put(this.url(path), new Response(bytes as Uint8Array<ArrayBuffer>));
  }

  async forget(path: string) {
    const cache = await this.cache();
    await cache?.delete(this.url(path));
  }
}

/** Reads a package from files the user picked or dropped (a folder, or its files). */
export class FileListReader implements PackageReader {
  readonly where = 'local files';
  private byPath = new Map<string, File>();

  constructor(files: Iterable<File>) {
    for (const f of files) {
      const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
      // Strip the picked folder's own name: "real-demo-v1/onnx/x.onnx" → "onnx/x.onnx".
      const parts = rel.split('/');
      this.byPath.set(parts.length > 1 ? parts.slice(1).join('/') : rel, f);
      this.byPath.set(rel, f);
      if (!this.byPath.has(f.name)) this.byPath.set(f.name, f);
    }
  }

  async read(path: string) {
    const f = this.byPath.get(path) ?? this.byPath.get(path.split('/').pop()!);
    if (!f) throw new Error(`${path} is not among the chosen files`);
    return { bytes: new Uint8Array(await f.arrayBuffer()), fromCache: false };
  }
}
