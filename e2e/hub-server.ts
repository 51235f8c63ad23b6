import { createHash } from 'node:crypto';
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
      'Content-Length, Content-Range, ETag, Accept-Ranges, X-Linked-Size',
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
