import { createHash } from 'node:crypto';
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';
import { readFile, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, posix, relative } from 'node:path';

/**
 * A stand-in for the Hugging Face hub on loopback, for the Node tests and
 * the Playwright tests: `/{repo}/resolve/main/{path}` answers GET and HEAD
 * with Content-Length, `Range: bytes=N-[M]` with 206 and Content-Range,
 * optionally a strong ETag (then If-Range is honoured), and CORS / CORP
 * headers for a cross-origin-isolated page. Switches simulate what a
 * careful client must survive:
 * - `interrupt`: the connection is cut after N bytes of a file's body;
 * - `redirect`: a file answers 302 to another URL (a second local origin);
 * - `answer`: a file answers a bare status (401 for a gated repo, 500, …);
 * - `throttle`: bodies go out in small chunks with a pause between them, so
 *   a page shows progress and a user can interrupt a download;
 * - `misbehave`: a file is answered as a hostile or broken server would:
 *   never (silent), a byte at a time (trickle), part of it and then nothing
 *   (stall), as a gzip bomb (a small compressed body that inflates to
 *   gigabytes), or as a flood (HEAD gives the file's size, GET sends
 *   `bytes` of spaces without a Content-Length);
 * - `naive: true` (the default): the server resolves `..` and `%2e%2e` in
 *   the URL as a careless static server would, and serves `outside` files
 *   at any path, so a client that let a traversal through would visibly
 *   fetch something outside the repo (the request log shows it).
 * Every request is logged (method, raw URL, Range) in `requests`.
 */

export type RepoFiles = Record<string, Uint8Array | string>;

export interface HubServerOptions {
  /** repo id ("owner/name") → its files (repo-relative path → bytes), or a folder to serve. */
  repos?: Record<string, RepoFiles | string>;
  /** Files at absolute URL paths outside every repo ("/secret.txt"), to catch escapes. */
  outside?: Record<string, Uint8Array | string>;
  /** Send a strong ETag (sha-1 of the file) and honour If-Range. */
  etag?: boolean;
  /** Honour Range (default true); false always sends 200 and the whole file. */
  ranges?: boolean;
  /** Answer HEAD (default true); false answers 405 so a client must size files another way. */
  head?: boolean;
  /** Resolve ".." in request paths before routing, like a careless server (default true). */
  naive?: boolean;
  /** Send bodies `chunkBytes` at a time with `delayMs` between chunks. */
  throttle?: { chunkBytes: number; delayMs: number };
}

export interface InterruptRule {
  /** "owner/name/onnx/x.onnx_data": the repo id, then the file. */
  file: string;
  /** Bytes of body sent before the connection is destroyed. */
  afterBytes: number;
  /** How many responses are cut (default 1); later ones are whole. */
  times?: number;
}

/** How a file misbehaves (see `misbehave`). */
export type Misbehaviour =
  | { kind: 'silent' }
  | { kind: 'trickle'; everyMs: number }
  | { kind: 'stall'; afterBytes: number }
  | { kind: 'gzip-bomb'; bytes: number }
  | { kind: 'flood'; bytes: number };

/**
 * A gzip body of `mebibytes` MiB of zeros, about 1 KB a MiB: one deflate
 * block of a MiB of zeros ended by a full flush (byte-aligned, no reference
 * behind it) repeated, then the final block and the trailer (CRC-32, size).
 */
export function gzipBomb(mebibytes: number): Uint8Array {
  const zeros = new Uint8Array(2 ** 20);
  const block = deflateRawSync(zeros, { level: 9, finishFlush: zlibConstants.Z_FULL_FLUSH });
  let crc = 0;
  for (let i = 0; i < mebibytes; i++) crc = crc32(zeros, crc);
  const head = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
  const tail = new Uint8Array(8);
  const view = new DataView(tail.buffer);
  view.setUint32(0, crc >>> 0, true);
  view.setUint32(4, (mebibytes * 2 ** 20) >>> 0, true);
  const out = new Uint8Array(head.length + mebibytes * block.length + 2 + tail.length);
  out.set(head);
  for (let i = 0; i < mebibytes; i++) out.set(block, head.length + i * block.length);
  out.set([3, 0], head.length + mebibytes * block.length);
  out.set(tail, out.length - tail.length);
  return out;
}

export interface LoggedRequest {
  method: string;
  url: string;
  range: string | null;
  ifRange: string | null;
}

export interface HubServer {
  url: string;
  origin: string;
  requests: LoggedRequest[];
  /** Cut the next response(s) of a file after N bytes. */
  interrupt(rule: InterruptRule): void;
  /** Answer a file ("owner/name/path", or an absolute URL path) with 302 to `to`. */
  redirect(file: string, to: string): void;
  /** Answer a file ("owner/name/path") with a bare status from now on (null: serve it again). */
  answer(file: string, status: number | null): void;
  /** Make a file ("owner/name/path") misbehave from now on (null: serve it again). */
  misbehave(file: string, how: Misbehaviour | null): void;
  /** Replace or add a repo's file (an ETag then changes with it). */
  setFile(repo: string, path: string, bytes: Uint8Array | string): void;
  close(): Promise<void>;
}

const bytesOf = (b: Uint8Array | string) => (typeof b === 'string' ? new TextEncoder().encode(b) : b);

async function folderFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() || (e.isSymbolicLink() && (await stat(full)).isFile()))
        out.set(relative(dir, full).split('\\').join('/'), new Uint8Array(await readFile(full)));
    }
  };
  await walk(dir);
  return out;
}

function sendSlowly(res: ServerResponse, body: Uint8Array, t: { chunkBytes: number; delayMs: number }): void {
  let at = 0;
  const next = () => {
    if (res.destroyed) return;
    if (at >= body.length) return void res.end();
    const end = Math.min(at + t.chunkBytes, body.length);
    res.write(body.subarray(at, end));
    at = end;
    setTimeout(next, t.delayMs);
  };
  next();
}

export async function serveHub(options: HubServerOptions = {}): Promise<HubServer> {
  const repos = new Map<string, Map<string, Uint8Array>>();
  for (const [id, files] of Object.entries(options.repos ?? {}))
    repos.set(
      id,
      typeof files === 'string'
        ? await folderFiles(files)
        : new Map(Object.entries(files).map(([p, b]) => [p, bytesOf(b)])),
    );
  const outside = new Map(Object.entries(options.outside ?? {}).map(([p, b]) => [p, bytesOf(b)]));
  const interrupts: InterruptRule[] = [];
  const redirects = new Map<string, string>();
  const statuses = new Map<string, number>();
  const hostile = new Map<string, Misbehaviour>();
  const bombs = new Map<number, Uint8Array>();
  const requests: LoggedRequest[] = [];
  const naive = options.naive ?? true;

  /** "owner/name/path" for a repo URL, else the URL path itself; and the bytes there, if any. */
  const lookup = (path: string): { key: string; bytes: Uint8Array | null } => {
    const m = /^\/(.+?)\/resolve\/[^/]+\/(.+)$/.exec(path);
    if (m) {
      const bytes = repos.get(m[1])?.get(m[2]);
      if (bytes) return { key: `${m[1]}/${m[2]}`, bytes };
    }
    return { key: m ? `${m[1]}/${m[2]}` : path, bytes: outside.get(path) ?? null };
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const raw = req.url ?? '/';
    requests.push({
      method: req.method ?? 'GET',
      url: raw,
      range: (req.headers.range as string | undefined) ?? null,
      ifRange: (req.headers['if-range'] as string | undefined) ?? null,
    });
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Range, If-Range');
    res.setHeader(
      'Access-Control-Expose-Headers',
      'Content-Length, Content-Range, ETag, Accept-Ranges, X-Linked-Size, Content-Encoding',
    );
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    if (req.method === 'OPTIONS') {
      res.statusCode = 204;
      return res.end();
    }
    let path: string;
    try {
      path = decodeURIComponent(raw.split('?')[0]);
    } catch {
      res.statusCode = 400;
      return res.end();
    }
    if (naive) path = posix.normalize(path.replace(/\\/g, '/'));
    const { key, bytes } = lookup(path);
    const target = redirects.get(key) ?? redirects.get(path);
    if (target) {
      res.statusCode = 302;
      res.setHeader('Location', target);
      return res.end();
    }
    const bad = hostile.get(key);
    if (bad) return misbehave(req, res, bad, bytes);
    const status = statuses.get(key);
    if (status) {
      res.statusCode = status;
      return res.end();
    }
    if (!bytes) {
      res.statusCode = 404;
      return res.end('Entry not found');
    }
    if (req.method === 'HEAD' && options.head === false) {
      res.statusCode = 405;
      return res.end();
    }
    const etag = options.etag ? `"${createHash('sha1').update(bytes).digest('hex')}"` : null;
    if (etag) res.setHeader('ETag', etag);
    res.setHeader('Accept-Ranges', options.ranges === false ? 'none' : 'bytes');
    let start = 0;
    let end = bytes.length - 1;
    const range = /^bytes=(\d+)-(\d*)$/.exec((req.headers.range as string | undefined) ?? '');
    const ifRange = req.headers['if-range'] as string | undefined;
    const rangeOk = range && options.ranges !== false && (!ifRange || ifRange === etag);
    if (rangeOk) {
      start = Number(range[1]);
      end = range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
      if (start >= bytes.length || start > end) {
        res.statusCode = 416;
        res.setHeader('Content-Range', `bytes */${bytes.length}`);
        return res.end();
      }
      res.statusCode = 206;
      res.setHeader('Content-Range', `bytes ${start}-${end}/${bytes.length}`);
    } else res.statusCode = 200;
    const body = bytes.subarray(start, end + 1);
    res.setHeader('Content-Length', body.length);
    if (req.method === 'HEAD') return res.end();
    const rule = interrupts.find((r) => r.file === key && (r.times ?? 1) > 0);
    if (rule) {
      rule.times = (rule.times ?? 1) - 1;
      const cut = Math.max(0, Math.min(rule.afterBytes - start, body.length - 1));
      res.flushHeaders();
      res.write(body.subarray(0, cut), () => setTimeout(() => res.destroy(), 20));
      return;
    }
    if (options.throttle) return void sendSlowly(res, body, options.throttle);
    res.end(body);
  };

  const bombFor = (bytes: number) => {
    let body = bombs.get(bytes);
    if (!body) bombs.set(bytes, (body = gzipBomb(Math.ceil(bytes / 2 ** 20))));
    return body;
  };

  const misbehave = (
    req: IncomingMessage,
    res: ServerResponse,
    how: Misbehaviour,
    file: Uint8Array | null,
  ) => {
    // silent: headers never come; the socket stays open until the client gives up or the server closes.
    if (how.kind === 'silent') return;
    if (how.kind === 'gzip-bomb') {
      const body = bombFor(how.bytes);
      res.setHeader('Content-Encoding', 'gzip');
      res.setHeader('Content-Length', body.length);
      return req.method === 'HEAD' ? res.end() : res.end(body);
    }
    if (how.kind === 'flood') {
      if (req.method === 'HEAD') {
        res.setHeader('Content-Length', file?.length ?? 4096);
        return res.end();
      }
      const chunk = new Uint8Array(2 ** 16).fill(0x20);
      let left = how.bytes;
      const more = () => {
        while (left > 0 && !res.destroyed) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', more);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => (left = 0));
      return more();
    }
    // The file's own bytes (4 KiB of spaces for a path the repo lacks), at its own length.
    const body = file ?? new Uint8Array(4096).fill(0x20);
    res.setHeader('Content-Length', body.length);
    if (req.method === 'HEAD') return res.end();
    res.flushHeaders();
    if (how.kind === 'stall') return void res.write(body.subarray(0, how.afterBytes));
    let at = 0;
    const next = () => {
      if (res.destroyed || at >= body.length) return;
      res.write(body.subarray(at, ++at));
      setTimeout(next, how.everyMs);
    };
    next();
  };

  const server: Server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    requests,
    interrupt: (rule) => void interrupts.push({ ...rule }),
    redirect: (file, to) => void redirects.set(file, to),
    answer: (file, status) => void (status === null ? statuses.delete(file) : statuses.set(file, status)),
    misbehave: (file, how) => {
      if (how === null) return void hostile.delete(file);
      // A bomb is built now, not on its first request (1 GiB of CRC-32 takes a loaded machine seconds).
      if (how.kind === 'gzip-bomb') bombFor(how.bytes);
      hostile.set(file, how);
    },
    setFile: (repo, path, bytes) => {
      if (!repos.has(repo)) repos.set(repo, new Map());
      repos.get(repo)!.set(path, bytesOf(bytes));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
