/**
 * A repo over HTTP(S): a base URL (the repo's folder), or a hub repo id that
 * becomes `{base}/{repo}/resolve/{revision}/` (base https://huggingface.co
 * by default, or a mirror, or a local server). Sizes come from HEAD before
 * anything is downloaded; a read fills one buffer of the known size,
 * resumes an interrupted transfer with a Range request (keeping what
 * arrived), and keeps complete files in Cache Storage for an offline second
 * load. Text files (configs, templates, tokenizers) are read as they come,
 * counted against their cap as they arrive (after any decompression, so a
 * gzip bomb stops at the cap). Every request has time limits
 * (timed-fetch.ts). Redirects follow guarded-fetch.ts; paths follow
 * repo-path.ts.
 */
import { RepoCache } from './cache-store';
import { guardedFetch, isOfficialHub } from './guarded-fetch';
import { HubError, isAbort, messageOf } from './hub-error';
import { repoUrl } from './repo-path';
import {
  MAX_FILE_BYTES,
  StreamBroke,
  streamInto,
  targetFor,
  type ReadOptions,
  type RepoSource,
} from './source';
import { hubTimeouts, RequestWatch, slowFile, type HubTimeouts } from './timed-fetch';

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
  /** Time limits on each request (default HUB_TIMEOUTS). */
  timeouts?: Partial<HubTimeouts>;
}

interface Unfinished {
  view: Uint8Array;
  got: number;
  etag: string | null;
}

/** Text files (configs, templates, tokenizers) are the ones servers compress; weights and graphs stream, resumably. */
const isText = (path: string) => /\.(json|jinja|txt|model)$/i.test(path);
/** A text file's cap when the caller names none (the tokenizer's). */
const TEXT_CAP = 256 * 2 ** 20;

export class HttpRepoSource implements RepoSource {
  readonly where: string;
  readonly kind = 'http';
  private readonly base: string;
  private readonly hub: boolean;
  private cache: Promise<RepoCache | null>;
  private maxResumes: number;
  private timeouts: HubTimeouts;
  /** Transfers that broke off, kept so that reading the file again resumes where it stopped. */
  private partials = new Map<string, Unfinished>();

  constructor(baseUrl: string, options: HttpSourceOptions = {}) {
    this.base = checkedBase(baseUrl);
    this.where = this.base;
    this.hub = isOfficialHub(new URL(this.base));
    this.cache = RepoCache.open(options.cacheName ?? null);
    this.maxResumes = options.maxResumes ?? 4;
    this.timeouts = hubTimeouts(options.timeouts);
  }

  /** guardedFetch under a request's watch: its answer must come within the limit. */
  private async fetchWithin(
    path: string,
    url: URL,
    init: RequestInit,
    watch: RequestWatch,
  ): Promise<Response> {
    const clear = watch.answerWithin(this.timeouts.answerMs);
    try {
      return await guardedFetch(url, { ...init, signal: watch.signal }, path, this.hub);
    } catch (e) {
      throw watch.errorFor(e);
    } finally {
      clear();
    }
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
    const watch = new RequestWatch(path, this.where, signal);
    try {
      res = await this.fetchWithin(path, url, { method: 'HEAD' }, watch);
    } catch (e) {
      if (isAbort(e) || (e instanceof HubError && !watch.timedOut())) throw e;
      // Offline or not answering: what the cache knows.
      const cached = await (await this.cache)?.size(url.href);
      if (cached !== undefined) return cached;
      if (e instanceof HubError) throw e;
      throw new HubError(path, `cannot be reached at ${this.where} (${messageOf(e)})`, { cause: e });
    } finally {
      watch.dispose();
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
    const watch = new RequestWatch(path, this.where, signal);
    let res: Response;
    try {
      res = await this.fetchWithin(path, url, { headers: { Range: 'bytes=0-0' } }, watch);
    } finally {
      watch.dispose();
    }
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
    const progress = (loaded: number, fromCache: boolean, resumedFrom?: number) =>
      options.onProgress?.({ loaded, total: size, fromCache, resumedFrom });
    if (isText(path) && !options.into) {
      const bytes = await this.readText(path, url, size, options, cache, progress);
      await cache?.put(url.href, bytes);
      return bytes;
    }
    const kept = this.partials.get(url.href);
    const resume =
      kept && kept.view.length === size && (!options.into || sameView(options.into, kept.view)) ? kept : null;
    if (!resume) this.partials.delete(url.href);
    const target = resume ? resume.view : targetFor(path, size, options);
    if (!resume && cache) {
      try {
        if (await cache.readInto(url.href, target, (n) => progress(n, true), options.signal)) return target;
      } catch (e) {
        if (isAbort(e)) throw e;
        await cache.delete(url.href); // a broken entry: fetch the file afresh
      }
    }
    const bytes = await this.download(path, url, target, resume, options, progress);
    await cache?.put(url.href, bytes);
    return bytes;
  }

  /**
   * A text file, whatever its Content-Length says (a server may compress
   * it): its bytes as they arrive, decompressed, counted against the cap
   * while reading, within the small-file time limit.
   */
  private async readText(
    path: string,
    url: URL,
    size: number,
    options: ReadOptions,
    cache: RepoCache | null,
    progress: (loaded: number, fromCache: boolean) => void,
  ): Promise<Uint8Array> {
    const cap = Math.min(options.maxBytes ?? TEXT_CAP, MAX_FILE_BYTES);
    if (size > cap) throw new HubError(path, `has ${size} bytes, more than the ${cap} this loader reads`);
    const cachedSize = await cache?.size(url.href);
    if (cache && typeof cachedSize === 'number' && cachedSize <= cap) {
      const target = new Uint8Array(cachedSize);
      try {
        if (await cache.readInto(url.href, target, (n) => progress(n, true), options.signal)) return target;
      } catch (e) {
        if (isAbort(e)) throw e;
        await cache.delete(url.href);
      }
    }
    const watch = new RequestWatch(path, this.where, options.signal);
    watch.limit(this.timeouts.smallFileMs, slowFile(this.where, this.timeouts.smallFileMs));
    try {
      const res = await this.fetchWithin(path, url, {}, watch);
      if (!res.ok) {
        void res.body?.cancel().catch(() => {});
        throw this.fail(path, res);
      }
      if (!res.body) return new Uint8Array(0);
      const reader = watch.watchBody(res.body, this.timeouts.stallMs).getReader();
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        total += r.value.length;
        if (total > cap) {
          void reader.cancel().catch(() => {});
          throw new HubError(
            path,
            `sent more than the ${cap} bytes it may have (counted as they arrived, decompressed); refused`,
          );
        }
        chunks.push(r.value);
        progress(total, false);
      }
      const out = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        out.set(c, at);
        at += c.length;
      }
      return out;
    } catch (e) {
      const err = watch.errorFor(e);
      if (err instanceof HubError || isAbort(err)) throw err;
      throw new HubError(path, `cannot be read from ${this.where} (${messageOf(err)})`, { cause: err });
    } finally {
      watch.dispose();
    }
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
      const watch = new RequestWatch(path, this.where, options.signal);
      try {
        res = await this.fetchWithin(path, url, { headers }, watch);
      } catch (e) {
        watch.dispose();
        if (e instanceof HubError || isAbort(e) || resumes >= this.maxResumes)
          throw this.keep(url, target, got, etag, e, path);
        resumes++;
        continue;
      }
      try {
        const step = await this.receive(path, res, target, got, watch, options, progress, {
          got: (n) => (got = n),
          etag: (e) => (etag = e),
        });
        if (step === 'again') {
          got = 0;
          etag = null;
          continue;
        }
      } catch (e) {
        if (e instanceof StreamBroke) {
          if (resumes++ < this.maxResumes) continue;
          throw this.keep(url, target, got, etag, e, path);
        }
        throw isAbort(e) || e instanceof HubError ? this.keep(url, target, got, etag, e, path) : e;
      } finally {
        watch.dispose();
      }
      if (got === target.length) {
        this.partials.delete(url.href);
        return target;
      }
      // The body ended early (the connection closed cleanly): ask for the rest.
      if (resumes++ >= this.maxResumes) throw this.keep(url, target, got, etag, null, path);
    }
  }

  /**
   * One response of a download: checks its status and range, then streams
   * its body into target (every chunk within the stall limit); `on.got`
   * follows each chunk, so an abort or a reset keeps exactly what arrived.
   * 'again': a range not asked for, start over.
   */
  private async receive(
    path: string,
    res: Response,
    target: Uint8Array,
    from: number,
    watch: RequestWatch,
    options: ReadOptions,
    progress: (loaded: number, fromCache: boolean, resumedFrom?: number) => void,
    on: { got: (n: number) => void; etag: (e: string | null) => void },
  ): Promise<'again' | 'done'> {
    let got = from;
    if (got > 0 && res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (
        !m ||
        Number(m[1]) !== got ||
        Number(m[2]) !== target.length - 1 ||
        (m[3] !== '*' && Number(m[3]) !== target.length)
      ) {
        void res.body?.cancel().catch(() => {});
        return 'again'; // a range we did not ask for: start over rather than splice a wrong part
      }
      progress(got, false, got);
    } else if (res.status === 200) {
      // The server sent the whole file (no Range support, or the file changed).
      got = 0;
      on.got(0);
      on.etag(res.headers.get('etag'));
    } else if (!res.ok) {
      void res.body?.cancel().catch(() => {});
      throw this.fail(path, res);
    } else {
      void res.body?.cancel().catch(() => {});
      throw new HubError(path, `answered ${res.status} to a plain request (${this.where})`);
    }
    if (!res.body) throw new HubError(path, `came with no body (${this.where})`);
    const body = watch.watchBody(res.body, this.timeouts.stallMs);
    const reached = await streamInto(
      body,
      target,
      got,
      path,
      (n) => {
        on.got(n);
        progress(n, false);
      },
      options.signal,
    );
    on.got(reached);
    return 'done';
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
