import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveHub, type HubServer } from '../../e2e/hub-server';
import { isHubHost, isOfficialHub } from '../../src/workers/hub/guarded-fetch';
import { HttpRepoSource, hubRepoUrl } from '../../src/workers/hub/http-source';
import { loadRepo, type HubProgress } from '../../src/workers/hub/load';
import { planRepo } from '../../src/workers/hub/plan';
import type { ReadProgress } from '../../src/workers/hub/source';
import { dataFile, sameBytes, seededBytes, tinyRepo } from './repo-fixture';
import { refusal } from './refusal';

const REPO = 'owner/tiny';
const files = tinyRepo({ dtypes: ['quantized', 'q4'], embedInPieces: true });
const BIG = seededBytes(3 * 2 ** 20 + 17, 99);
const SECRET = 'the secret outside every repo';

let hub: HubServer;
let other: HubServer;
beforeAll(async () => {
  other = await serveHub({ outside: { '/evil': SECRET, '/owner/tiny/resolve/main/onnx/x': SECRET } });
  hub = await serveHub({
    repos: { [REPO]: { ...files, 'big.bin': BIG } },
    outside: { '/secret.txt': SECRET, '/owner/secret.txt': SECRET },
    etag: true,
  });
});
afterAll(async () => {
  await hub?.close();
  await other?.close();
});

const source = (server = hub, opts = {}) => HttpRepoSource.fromHub(REPO, { base: server.url, ...opts });
const since = (server: HubServer, n: number) => server.requests.slice(n);
/** Nothing outside the repo's own `resolve/main/` folder was asked for. */
const allInsideRepo = (server: HubServer) =>
  server.requests.every((r) => {
    const path = new URL(r.url, server.url).pathname;
    return path.startsWith(`/${REPO}/resolve/main/`) && !decodeURIComponent(path).includes('..');
  });

describe('hub repo ids and hosts', () => {
  it('turns a repo id into {base}/{repo}/resolve/main/', () => {
    expect(hubRepoUrl('onnx-community/Qwen3.5-0.8B-ONNX')).toBe(
      'https://huggingface.co/onnx-community/Qwen3.5-0.8B-ONNX/resolve/main/',
    );
    expect(hubRepoUrl('a/b', 'http://127.0.0.1:9/mirror')).toBe(
      'http://127.0.0.1:9/mirror/a/b/resolve/main/',
    );
    expect(hubRepoUrl('gpt2', 'https://hf-mirror.example', 'v1.0')).toBe(
      'https://hf-mirror.example/gpt2/resolve/v1.0/',
    );
    for (const bad of [
      '',
      '../x',
      'a/..',
      'a/b/c',
      '.hidden/x',
      'a b/c',
      'http://evil/x',
      'a/b?x',
      'a/%2e%2e',
    ])
      expect(() => hubRepoUrl(bad), bad).toThrow(/is not a hub repo id/);
    expect(() => hubRepoUrl('a/b', 'ftp://x')).toThrow(/only http\(s\)/);
    expect(() => hubRepoUrl('a/b', 'https://user:pw@x.example')).toThrow(/user name or password/);
    expect(() => hubRepoUrl('a/b', HUB_BASE_WITH_QUERY)).toThrow(/"\?" or "#"/);
    expect(() => hubRepoUrl('a/b', undefined, '../main')).toThrow(/not a revision/);
  });

  it("lets only the official hub's own hosts answer after a redirect", () => {
    for (const ok of [
      'https://cdn-lfs.hf.co/x',
      'https://cas-bridge.xethub.hf.co/x',
      'https://us.aws.cdn.hf.co/x',
      'https://cdn-lfs-us-1.huggingface.co/x',
      'https://huggingface.co/api/resolve-cache/x',
    ])
      expect(isHubHost(new URL(ok)), ok).toBe(true);
    for (const no of [
      'http://cdn-lfs.hf.co/x',
      'https://huggingface.co.evil.example/x',
      'https://evilhf.co/x',
      'https://hf.co:8443/x',
      'https://127.0.0.1/x',
    ])
      expect(isHubHost(new URL(no)), no).toBe(false);
    expect(isOfficialHub(new URL('https://huggingface.co/a/b/resolve/main/'))).toBe(true);
    expect(isOfficialHub(new URL('https://hf-mirror.example/'))).toBe(false);
  });
});
const HUB_BASE_WITH_QUERY = 'https://huggingface.co/?x=1';

describe('HttpRepoSource against a local hub', () => {
  it('sizes every file before downloading anything big (HEAD only for the weights)', async () => {
    const n = hub.requests.length;
    const plan = await planRepo(source(), { device: { backend: 'wasm' } });
    const sum = Object.entries(files)
      .filter(([p]) => !p.includes('_q4.'))
      .reduce((a, [, b]) => a + b.length, 0);
    expect(plan.totalBytes).toBe(sum);
    expect(plan.toDownload).toBe(sum); // no Cache Storage in Node: nothing counts as cached
    const gets = since(hub, n)
      .filter((r) => r.method === 'GET')
      .map((r) => r.url);
    expect(gets.some((u) => /onnx_data|\.chunk$/.test(u))).toBe(false);
    expect(gets.every((u) => /\.json$|\.onnx$/.test(u))).toBe(true);
    expect(
      since(hub, n).some(
        (r) => r.method === 'HEAD' && r.url.endsWith('decoder_model_merged_quantized.onnx_data_1'),
      ),
    ).toBe(true);
  });

  it('loads the repo with progress per file; every byte equals the served files', async () => {
    const plan = await planRepo(source(), { device: { backend: 'wasm' } });
    const events: HubProgress[] = [];
    const loaded = await loadRepo(plan, (p) => events.push(p));
    for (const g of Object.values(loaded.graphs)) {
      expect(sameBytes(g.bytes, files[g.path])).toBe(true);
      for (const d of g.externalData) expect(sameBytes(d.data, dataFile(files, `onnx/${d.path}`))).toBe(true);
    }
    const name = 'onnx/decoder_model_merged_quantized.onnx_data';
    const mine = events.filter((e) => e.status === 'download' && e.file === name) as Extract<
      HubProgress,
      { status: 'download' }
    >[];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.total === 98304)).toBe(true);
    expect(mine.at(-1)!.loaded).toBe(98304);
    for (let i = 1; i < mine.length; i++) expect(mine[i].loaded).toBeGreaterThanOrEqual(mine[i - 1].loaded);
    expect(events.some((e) => e.status === 'done' && e.file === name)).toBe(true);
    expect(allInsideRepo(hub)).toBe(true);
  });

  it('resumes an interrupted file with a Range request (If-Range with the ETag) and gets the original bytes', async () => {
    hub.interrupt({ file: `${REPO}/big.bin`, afterBytes: 1_000_000 });
    const n = hub.requests.length;
    const progress: ReadProgress[] = [];
    const bytes = await source().read('big.bin', { onProgress: (p) => progress.push(p) });
    expect(sameBytes(bytes, BIG)).toBe(true);
    const gets = since(hub, n).filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[0].range).toBeNull();
    const from = Number(/^bytes=(\d+)-$/.exec(gets[1].range ?? '')?.[1]);
    expect(from).toBeGreaterThan(0);
    expect(from).toBeLessThanOrEqual(1_000_000);
    expect(gets[1].ifRange).toMatch(/^"[0-9a-f]{40}"$/);
    expect(progress.find((p) => p.resumedFrom !== undefined)?.resumedFrom).toBe(from);
  });

  it('keeps what arrived when a transfer gives up, and the next read asks only for the rest', async () => {
    hub.interrupt({ file: `${REPO}/big.bin`, afterBytes: 500_000 });
    const src = source(hub, { maxResumes: 0 });
    const message = await refusal(src.read('big.bin'));
    expect(message).toMatch(
      /^big\.bin: the download broke off at \d+ of 3145745 bytes .*loading again resumes from there$/,
    );
    const kept = Number(/broke off at (\d+)/.exec(message)![1]);
    const n = hub.requests.length;
    expect(sameBytes(await src.read('big.bin'), BIG)).toBe(true);
    expect(
      since(hub, n)
        .filter((r) => r.method === 'GET')
        .map((r) => r.range),
    ).toEqual([`bytes=${kept}-`]);
  });

  it('resumes after the user aborts, into the same buffer', async () => {
    const src = source();
    const stop = new AbortController();
    let seen = 0;
    await expect(
      src.read('big.bin', {
        signal: stop.signal,
        onProgress: (p) => {
          seen = p.loaded;
          if (p.loaded > 0) stop.abort();
        },
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toBeGreaterThan(0);
    const n = hub.requests.length;
    expect(sameBytes(await src.read('big.bin'), BIG)).toBe(true);
    const range = since(hub, n).find((r) => r.method === 'GET')?.range;
    expect(Number(/^bytes=(\d+)-$/.exec(range ?? '')?.[1])).toBeGreaterThanOrEqual(seen);
  });

  it('starts over when the server ignores Range (200 instead of 206), still exact', async () => {
    const plain = await serveHub({ repos: { [REPO]: { 'big.bin': BIG } }, ranges: false });
    try {
      plain.interrupt({ file: `${REPO}/big.bin`, afterBytes: 700_000 });
      expect(sameBytes(await source(plain).read('big.bin'), BIG)).toBe(true);
      const gets = plain.requests.filter((r) => r.method === 'GET');
      expect(gets).toHaveLength(2);
      expect(gets[1].range).toMatch(/^bytes=\d+-$/); // asked for the rest, got the whole file again
    } finally {
      await plain.close();
    }
  });

  it('sizes files on a server without HEAD by a one-byte range', async () => {
    const noHead = await serveHub({ repos: { [REPO]: { 'big.bin': BIG } }, head: false });
    try {
      expect(await source(noHead).size('big.bin')).toBe(BIG.length);
      expect(await source(noHead).size('absent.bin')).toBeNull();
      expect(noHead.requests.filter((r) => r.method === 'GET').map((r) => r.range)).toEqual(['bytes=0-0']); // the absent file's HEAD was a plain 404
    } finally {
      await noHead.close();
    }
  });

  it('says which file is missing (404) and which needs access (401)', async () => {
    expect(await source().size('onnx/none.onnx')).toBeNull();
    expect(await refusal(source().read('onnx/none.onnx'))).toBe(
      `onnx/none.onnx: is not in the repo (${hub.url}/${REPO}/resolve/main/)`,
    );
    hub.answer(`${REPO}/tokenizer.json`, 401);
    try {
      expect(await refusal(planRepo(source(), { device: { backend: 'wasm' } }))).toBe(
        `tokenizer.json: needs access the app does not have (a gated or private repo) (${hub.url}/${REPO}/resolve/main/)`,
      );
    } finally {
      hub.answer(`${REPO}/tokenizer.json`, null);
    }
  });

  it('lets a slow download be stopped and resumed through loadRepo, the plan keeping its buffers', async () => {
    const slow = await serveHub({
      repos: { [REPO]: files },
      throttle: { chunkBytes: 16 * 1024, delayMs: 5 },
    });
    try {
      const plan = await planRepo(source(slow), { device: { backend: 'wasm' } });
      const stop = new AbortController();
      const seen: HubProgress[] = [];
      await expect(
        loadRepo(
          plan,
          (p) => {
            seen.push(p);
            if (p.status === 'download' && p.file.endsWith('.chunk') && p.loaded > 0) stop.abort();
          },
          { signal: stop.signal },
        ),
      ).rejects.toMatchObject({ name: 'AbortError' });
      const n = slow.requests.length;
      const loaded = await loadRepo(plan);
      expect(
        sameBytes(
          loaded.graphs.embed.externalData[0].data,
          dataFile(files, 'onnx/embed_tokens_quantized.onnx_data'),
        ),
      ).toBe(true);
      const gets = since(slow, n).filter((r) => r.method === 'GET');
      // Files finished before the stop are not fetched again; the stopped piece resumes with a Range.
      expect(gets.some((r) => r.url.endsWith('vision_encoder_quantized.onnx_data'))).toBe(false);
      expect(gets.find((r) => r.url.endsWith('.00.chunk'))?.range).toMatch(/^bytes=[1-9]\d*-$/);
    } finally {
      await slow.close();
    }
  });

  it('refuses a redirect to another origin, and nothing is fetched from it', async () => {
    hub.redirect(`${REPO}/onnx/decoder_model_merged_q4.onnx_data`, `${other.url}/evil`);
    const before = other.requests.length;
    const message = await refusal(planRepo(source(), { device: { backend: 'wasm' }, dtype: 'q4' }));
    expect(message).toBe(
      `onnx/decoder_model_merged_q4.onnx_data: ${hub.url} redirected to ${other.url}; a redirect to another origin is refused (nothing was fetched from it)`,
    );
    expect(other.requests.length).toBe(before);
  });

  it('follows a redirect within the same origin', async () => {
    hub.redirect(`${REPO}/moved.json`, `/${REPO}/resolve/main/config.json`);
    expect(sameBytes(await source().read('moved.json'), files['config.json'])).toBe(true);
  });

  const traversals = [
    '%2e%2e/%2e%2e/secret.txt',
    '..%2F..%2Fsecret.txt',
    '%252e%252e/%252e%252e/secret.txt',
    '../../../secret.txt',
    'onnx/../../../../secret.txt',
    '..\\..\\secret.txt',
    'onnx\\..\\..\\secret.txt',
    'http://127.0.0.1:1/secret.txt',
    '//127.0.0.1:1/secret.txt',
    '/secret.txt',
    'C:/secret.txt',
    'c:secret.txt',
  ];
  it.each(traversals)('refuses the path %s without a request', async (path) => {
    const n = hub.requests.length;
    const src = source();
    expect(await refusal(src.size(path))).toMatch(/must stay inside the repo/);
    expect(await refusal(src.read(path))).toMatch(/must stay inside the repo/);
    expect(await refusal(src.exists(path))).toMatch(/must stay inside the repo/);
    expect(hub.requests.length).toBe(n);
  });

  it("refuses a piece manifest or a graph's data location that leaves the repo, fetching nothing outside", async () => {
    const bad = await serveHub({
      repos: {
        [REPO]: {
          ...tinyRepo({ dtypes: ['quantized'] }),
          'onnx/manifest.json': JSON.stringify({
            'embed_tokens_quantized.onnx_data': { chunks: ['..\\..\\..\\secret.txt'] },
          }),
        },
        'owner/two': {
          ...tinyRepo({ dtypes: ['quantized'] }),
          'onnx/manifest.json': JSON.stringify({ 'x.onnx_data': { chunks: [`${other.url}/evil`] } }),
        },
      },
      outside: { '/secret.txt': SECRET },
    });
    try {
      expect(await refusal(planRepo(source(bad), { device: { backend: 'wasm' } }))).toMatch(
        /^onnx\/manifest\.json chunk .*backslash/,
      );
      const two = HttpRepoSource.fromHub('owner/two', { base: bad.url });
      expect(await refusal(planRepo(two, { device: { backend: 'wasm' } }))).toMatch(
        /^onnx\/manifest\.json chunk "http:.*a URL or a drive path/,
      );
      expect(
        bad.requests.every(
          (r) => /^\/owner\/(tiny|two)\/resolve\/main\/[^.]/.test(r.url) && !r.url.includes('..'),
        ),
      ).toBe(true);
      expect(other.requests.length).toBe(0);
    } finally {
      await bad.close();
    }
  });
});

/**
 * A stand-in for the browser's Cache Storage (Node has none), holding what
 * was put as bytes; the browser's own is exercised by the Playwright test.
 */
class MemoryCache {
  entries = new Map<string, { status: number; headers: [string, string][]; body: Uint8Array }>();
  async match(url: string) {
    const e = this.entries.get(url);
    return e
      ? new Response(e.status === 404 ? null : (e.body as Uint8Array<ArrayBuffer>), {
          status: e.status,
          headers: e.headers,
        })
      : undefined;
  }
  async put(url: string, res: Response) {
    this.entries.set(url, {
      status: res.status,
      headers: [...res.headers],
      body: new Uint8Array(await res.arrayBuffer()),
    });
  }
  async delete(url: string) {
    return this.entries.delete(url);
  }
}

describe('HttpRepoSource with Cache Storage', () => {
  it('loads a second time offline, from the cache alone', async () => {
    const store = new MemoryCache();
    const g = globalThis as { caches?: unknown };
    g.caches = { open: async () => store };
    const own = await serveHub({ repos: { [REPO]: files } });
    try {
      const online = HttpRepoSource.fromHub(REPO, { base: own.url, cacheName: 'hub-test' });
      const first = await loadRepo(await planRepo(online, { device: { backend: 'wasm' } }));
      await own.close();
      const offline = HttpRepoSource.fromHub(REPO, { base: own.url, cacheName: 'hub-test' });
      const plan = await planRepo(offline, { device: { backend: 'wasm' } });
      expect(plan.toDownload).toBe(0);
      expect(plan.files.every((f) => f.cached)).toBe(true);
      const events: HubProgress[] = [];
      const second = await loadRepo(plan, (p) => events.push(p));
      for (const c of ['vision', 'embed', 'decoder'] as const) {
        expect(sameBytes(second.graphs[c].bytes, first.graphs[c].bytes)).toBe(true);
        second.graphs[c].externalData.forEach((d, i) =>
          expect(sameBytes(d.data, first.graphs[c].externalData[i].data)).toBe(true),
        );
      }
      expect(events.filter((e) => e.status === 'done').every((e) => e.status === 'done' && e.fromCache)).toBe(
        true,
      );
    } finally {
      delete g.caches;
      await own.close().catch(() => {});
    }
  });
});
