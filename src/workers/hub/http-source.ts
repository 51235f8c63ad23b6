/**
 * A repo over HTTP(S): a base URL (the repo's folder), or a hub repo id that
 * becomes `{base}/{repo}/resolve/{revision}/` (base https://huggingface.co
 * by default, or a mirror, or a local server). Sizes come from HEAD before
 * anything is downloaded; a read fills one buffer of the known size,
 * resumes an interrupted transfer with a Range request (keeping what
 * arrived), and keeps complete files in Cache Storage for an offline second
 * load. Redirects follow guarded-fetch.ts; paths follow repo-path.ts.
 */
import { RepoCache } from './cache-store';
import { guardedFetch, isOfficialHub } from './guarded-fetch';
import { HubError, isAbort, messageOf } from './hub-error';
import { repoUrl } from './repo-path';
import { StreamBroke, streamInto, targetFor, type ReadOptions, type RepoSource } from './source';

export const HUB_BASE = 'https://huggingface.co';

/** A hub repo id: "name" or "owner/name" (letters, digits, "-", "_", "."), never "." or "..". */
const REPO_ID = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/)?[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `{base}/{repo}/resolve/{revision}/` for a hub repo id, or a HubError saying what is wrong. */
export function hubRepoUrl(repoId: string, base = HUB_BASE, revision = 'main'): string {
  if (!REPO_ID.test(repoId) || repoId.split('/').some((s) => s.includes('..')))
    throw new HubError('', `${JSON.stringify(repoId)} is not a hub repo id (expected owner/name)`);
  if (!REVISION.test(revision) || revision.includes('..'))
    throw new HubError('', `${JSON.stringify(revision)} is not a revision name`);
  const root = checkedBase(base);
  return new URL(`${repoId}/resolve/${revision}/`, root).href;
}

function checkedBase(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new HubError('', `${JSON.stringify(raw)} is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new HubError('', `${raw}: only http(s) URLs can serve a model`);
  if (u.username || u.password)
    throw new HubError('', `${u.origin}: a URL with a user name or password is refused`);
  if (u.search || u.hash) throw new HubError('', `${raw}: a base URL with "?" or "#" is refused`);
  return u.href.endsWith('/') ? u.href : `${u.href}/`;
}

export interface HttpSourceOptions {
  /** Cache Storage name; null keeps nothing (the default in Node, where there is none). */
  cacheName?: string | null;
  /** How many times one read resumes a broken transfer before it gives up (default 4). */
  maxResumes?: number;
}

interface Unfinished {
  view: Uint8Array;
  got: number;
  etag: string | null;
}

/**
 * Files up to this size (configs, templates) are read with arrayBuffer():
 * a server may send them compressed, when its Content-Length is not the
 * size of the bytes that arrive. Larger ones must match their size exactly.
 */
const SMALL = 2 ** 20;
/** Text files (configs, templates, tokenizers) are the ones servers compress; weights and graphs stream, resumably. */
const isText = (path: string) => /\.(json|jinja|txt|model)$/i.test(path);

export class HttpRepoSource implements RepoSource {
  readonly where: string;
  readonly kind = 'http';
  private readonly base: string;
  private readonly hub: boolean;
  private cache: Promise<RepoCache | null>;
  private maxResumes: number;
  /** Transfers that broke off, kept so that reading the file again resumes where it stopped. */
  private partials = new Map<string, Unfinished>();

  constructor(baseUrl: string, options: HttpSourceOptions = {}) {
    this.base = checkedBase(baseUrl);
    this.where = this.base;
    this.hub = isOfficialHub(new URL(this.base));
    this.cache = RepoCache.open(options.cacheName ?? null);
    this.maxResumes = options.maxResumes ?? 4;
  }

  /** A hub repo id: `{base}/{repo}/resolve/{revision}/`. */
  static fromHub(
    repoId: string,
    options: HttpSourceOptions & { base?: string; revision?: string } = {},
  ): HttpRepoSource {
    return new HttpRepoSource(
      hubRepoUrl(repoId, options.base ?? HUB_BASE, options.revision ?? 'main'),
      options,
    );
  }

  private url(path: string): URL {
    return repoUrl(this.base, path);
  }

  private fail(path: string, res: Response): HubError {
    const s = res.status;
    const why =
      s === 401 || s === 403
        ? 'needs access the app does not have (a gated or private repo)'
        : s === 404
          ? 'is not in the repo'
          : `HTTP ${s} ${res.statusText}`.trim();
    return new HubError(path, `${why} (${this.where})`);
  }

  async size(path: string, signal?: AbortSignal): Promise<number | null> {
    const url = this.url(path);
    let res: Response;
    try {
      res = await guardedFetch(url, { method: 'HEAD', signal }, path, this.hub);
    } catch (e) {
      if (e instanceof HubError || isAbort(e)) throw e;
      // Offline: what the cache knows.
      const cached = await (await this.cache)?.size(url.href);
      if (cached !== undefined) return cached;
      throw new HubError(path, `cannot be reached at ${this.where} (${messageOf(e)})`, { cause: e });
    }
    if (res.status === 404) {
      await (await this.cache)?.putAbsent(url.href);
      return null;
    }
    if (res.status === 405 || res.status === 501) return this.sizeByRange(path, url, signal);
    if (!res.ok) throw this.fail(path, res);
    // The hub gives an LFS file's size as X-Linked-Size on its redirect; a CDN as Content-Length.
    const n = Number(res.headers.get('x-linked-size') ?? res.headers.get('content-length'));
    if (!res.headers.has('content-length') && !res.headers.has('x-linked-size'))
      return this.sizeByRange(path, url, signal);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new HubError(path, `has an unreadable Content-Length at ${this.where}`);
    return n;
  }

  /** For servers without HEAD: GET bytes=0-0 and read the total from Content-Range. */
  private async sizeByRange(path: string, url: URL, signal?: AbortSignal): Promise<number | null> {
    const res = await guardedFetch(url, { headers: { Range: 'bytes=0-0' }, signal }, path, this.hub);
    void res.body?.cancel().catch(() => {});
    if (res.status === 404) return null;
    if (!res.ok) throw this.fail(path, res);
    const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
    const n = Number(total ?? res.headers.get('content-length'));
    if (!Number.isSafeInteger(n)) throw new HubError(path, `its size cannot be learnt from ${this.where}`);
    return n;
  }

  async cached(path: string): Promise<boolean> {
    const n = await (await this.cache)?.size(this.url(path).href);
    return typeof n === 'number';
  }

  async exists(path: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.size(path, signal)) !== null;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const url = this.url(path);
    const cache = await this.cache;
    const size = await this.size(path, options.signal);
    if (size === null) throw new HubError(path, `is not in the repo (${this.where})`);
    const kept = this.partials.get(url.href);
    const resume =
      kept && kept.view.length === size && (!options.into || sameView(options.into, kept.view)) ? kept : null;
    if (!resume) this.partials.delete(url.href);
    const target = resume ? resume.view : targetFor(path, size, options);
    const progress = (loaded: number, fromCache: boolean, resumedFrom?: number) =>
      options.onProgress?.({ loaded, total: size, fromCache, resumedFrom });
    if (!resume && cache) {
      try {
        if (await cache.readInto(url.href, target, (n) => progress(n, true), options.signal)) return target;
      } catch (e) {
        if (isAbort(e)) throw e;
        await cache.delete(url.href); // a broken entry: fetch the file afresh
      }
    }
    const bytes =
      !options.into && size <= SMALL && isText(path)
        ? await this.readSmall(path, url, options, progress)
        : await this.download(path, url, target, resume, options, progress);
    await cache?.put(url.href, bytes);
    return bytes;
  }

  private async readSmall(
    path: string,
    url: URL,
    options: ReadOptions,
    progress: (loaded: number, fromCache: boolean) => void,
  ): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await guardedFetch(url, { signal: options.signal }, path, this.hub);
    } catch (e) {
      if (e instanceof HubError || isAbort(e)) throw e;
      throw new HubError(path, `cannot be reached at ${this.where} (${messageOf(e)})`, { cause: e });
    }
    if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      throw this.fail(path, res);
    }
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > SMALL)
      throw new HubError(path, `is larger than its Content-Length said (${this.where})`);
    progress(bytes.length, false);
    return bytes;
  }

  private async download(
    path: string,
    url: URL,
    target: Uint8Array,
    resume: Unfinished | null,
    options: ReadOptions,
    progress: (loaded: number, fromCache: boolean, resumedFrom?: number) => void,
  ): Promise<Uint8Array> {
    let got = resume?.got ?? 0;
    let etag = resume?.etag ?? null;
    let resumes = 0;
    for (;;) {
      const headers: Record<string, string> = {};
      if (got > 0) {
        headers.Range = `bytes=${got}-`;
        // If-Range: the rest only if it is still the same file, else the whole (200) again.
        if (etag && !etag.startsWith('W/')) headers['If-Range'] = etag;
      }
      let res: Response;
      try {
        res = await guardedFetch(url, { headers, signal: options.signal }, path, this.hub);
      } catch (e) {
        if (e instanceof HubError || isAbort(e) || resumes >= this.maxResumes)
          throw this.keep(url, target, got, etag, e, path);
        resumes++;
        continue;
      }
      if (got > 0 && res.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
        if (
          !m ||
          Number(m[1]) !== got ||
          Number(m[2]) !== target.length - 1 ||
          (m[3] !== '*' && Number(m[3]) !== target.length)
        ) {
          void res.body?.cancel().catch(() => {});
          got = 0; // a range we did not ask for: start over rather than splice a wrong part
          etag = null;
          continue;
        }
        progress(got, false, got);
      } else if (res.status === 200) {
        got = 0; // the server sent the whole file (no Range support, or the file changed)
        etag = res.headers.get('etag');
      } else if (!res.ok) {
        void res.body?.cancel().catch(() => {});
        throw this.fail(path, res);
      } else {
        void res.body?.cancel().catch(() => {});
        throw new HubError(path, `answered ${res.status} to a plain request (${this.where})`);
      }
      if (!res.body) throw new HubError(path, `came with no body (${this.where})`);
      try {
        // `got` follows every chunk, so an abort or a reset keeps exactly what arrived.
        got = await streamInto(
          res.body,
          target,
          got,
          path,
          (n) => {
            got = n;
            progress(n, false);
          },
          options.signal,
        );
      } catch (e) {
        if (e instanceof StreamBroke) {
          got = e.reached;
          if (resumes++ < this.maxResumes) continue;
          throw this.keep(url, target, got, etag, e, path);
        }
        throw isAbort(e) ? this.keep(url, target, got, etag, e, path) : e;
      }
      if (got === target.length) {
        this.partials.delete(url.href);
        return target;
      }
      // The body ended early (the connection closed cleanly): ask for the rest.
      if (resumes++ >= this.maxResumes) throw this.keep(url, target, got, etag, null, path);
    }
  }

  /** Remembers a broken transfer so the next read of the file asks only for the rest. */
  private keep(
    url: URL,
    view: Uint8Array,
    got: number,
    etag: string | null,
    e: unknown,
    path: string,
  ): Error {
    if (got > 0) this.partials.set(url.href, { view, got, etag });
    if (isAbort(e)) return e as Error;
    if (e instanceof HubError) return e;
    const why = e ? ` (${messageOf(e)})` : '';
    if (got === 0) return new HubError(path, `cannot be downloaded from ${this.where}${why}`, { cause: e });
    return new HubError(
      path,
      `the download broke off at ${got} of ${view.length} bytes${why}; loading again resumes from there`,
      { cause: e },
    );
  }

  /** Forget kept partial downloads (their buffers are released). */
  dropPartials(): void {
    this.partials.clear();
  }
}

function sameView(a: Uint8Array, b: Uint8Array): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.length === b.length;
}
