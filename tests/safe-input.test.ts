/**
 * The one-place rules of issue 12 as units: input files (src/cli/safe-file.ts),
 * package paths and URLs (src/workers/package/package-path.ts), the package
 * URL reader's redirects (fetch-reader.ts over two loopback origins), image
 * headers (image-header.ts) and the finite-JSON writer (finite-json.ts).
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NonFiniteOutputError, assertFiniteTrace, finiteJson } from '../src/cli/finite-json';
import { decodeImage } from '../src/cli/image-file';
import { decodePngDataUrl } from '../src/cli/png';
import {
  InputFileError,
  SIZE_LIMITS,
  fileNameFromId,
  outputFileFor,
  pathInside,
  readInputFile,
} from '../src/cli/safe-file';
import { MAX_IMAGE_PIXELS } from '../src/workers/engine/image';
import { checkImageHeader, checkTraceImages, imageSizeFromHeader } from '../src/workers/engine/image-header';
import { FetchReader } from '../src/workers/package/fetch-reader';
import { packagePath, packageUrl } from '../src/workers/package/package-path';
import { withCpuMs } from './timing';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'real-safe-'));
});

describe('input files (safe-file.ts)', () => {
  it('reads a regular file and refuses devices, folders and FIFOs before opening them', () => {
    writeFileSync(join(dir, 'a.json'), '{}');
    expect(readInputFile(join(dir, 'a.json'), 'trace').toString()).toBe('{}');
    expect(() => readInputFile('/dev/zero', 'trace')).toThrow(/\/dev\/zero: is a device, not a regular file/);
    expect(() => readInputFile(dir, 'trace')).toThrow(/is a folder, not a file/);
    expect(() => readInputFile(join(dir, 'nope'), 'trace')).toThrow(/cannot read \(ENOENT\)/);
    if (spawnSync('mkfifo', [join(dir, 'p')]).status === 0)
      expect(() => readInputFile(join(dir, 'p'), 'trace')).toThrow(/is a named pipe \(FIFO\)/);
  });

  it('refuses a file above its kind’s cap without reading it', () => {
    const big = join(dir, 'big.png');
    writeFileSync(big, '');
    truncateSync(big, SIZE_LIMITS.mask + 1); // sparse: no disk, no reading
    const { cpuMs } = withCpuMs(() =>
      expect(() => readInputFile(big, 'mask')).toThrow(
        /big\.png: 64 MB is too large for a mask \(the limit is 64 MB\)/,
      ),
    );
    expect(cpuMs).toBeLessThan(100);
  });

  it('follows symlinks only within the folder they must stay in', () => {
    const inside = join(dir, 'pkg');
    mkdirSync(inside);
    writeFileSync(join(dir, 'secret'), 'x');
    writeFileSync(join(inside, 'real'), 'y');
    symlinkSync(join(dir, 'secret'), join(inside, 'out'));
    symlinkSync(join(inside, 'real'), join(inside, 'in'));
    expect(readInputFile(join(inside, 'in'), 'trace', { inside }).toString()).toBe('y');
    expect(() => readInputFile(join(inside, 'out'), 'trace', { inside })).toThrow(
      /leads outside .* \(to .*secret\)/,
    );
    // without a folder (a path the user typed) the link is the user's own choice
    expect(readInputFile(join(inside, 'out'), 'trace').toString()).toBe('x');
  });

  it('keeps index paths and output names inside their folder', () => {
    expect(pathInside(dir, 'eval/a.png', 'image')).toBe(join(dir, 'eval/a.png'));
    expect(() => pathInside(dir, '../a.png', 'image')).toThrow(/leads outside/);
    expect(() => pathInside(dir, '/etc/passwd', 'image')).toThrow(/expected a path relative to/);
    expect(() => pathInside(dir, 'a\\..\\..\\b', 'image')).toThrow(/expected a path relative to/);
    for (const bad of ['../../x', 'a/b', 'a\\b', '..', '.hidden', '', 'a\u0000b', 'x'.repeat(201)])
      expect(() => fileNameFromId(bad, 'id'), bad).toThrow(InputFileError);
    expect(fileNameFromId('001_brick scratch (2)', 'id')).toBe('001_brick scratch (2)');
    const out = join(dir, 'traces');
    mkdirSync(out);
    expect(outputFileFor(out, 's1', '.json', 'id')).toBe(join(out, 's1.json'));
    // a symlink planted where a trace will be written is not written through
    symlinkSync(join(dir, 'secret'), join(out, 's2.json'));
    expect(() => outputFileFor(out, 's2', '.json', 'id')).toThrow(/exists and is not a regular file/);
  });
});

describe('package paths (package-path.ts)', () => {
  it.each([
    ['%2e%2e/x.onnx', /goes up a folder/],
    ['%2E%2E%2Fx.onnx', /goes up a folder/],
    ['onnx/%252e%252e/x', /goes up a folder/],
    ['..\\x.onnx', /backslash/],
    ['onnx%5C..%5Cx', /backslash/],
    ['http://other-origin/x.onnx', /is a URL/],
    ['file:///etc/passwd', /is a URL/],
    ['C:x.onnx', /is a URL or a drive path/],
    ['//other-origin/x.onnx', /is absolute/],
    ['/x.onnx', /is absolute/],
    ['%2fx.onnx', /is absolute/],
    ['onnx/x.onnx?v=2', /"\?" or "#"/],
    ['onnx/%00.onnx', /control characters/],
    ['%zz', /malformed %-escape/],
  ])('refuses %s', (raw, why) => {
    expect(() => packagePath(raw, 'files.decoder.path')).toThrow(why);
  });

  it('normalises what stays inside, and builds its URL with each segment escaped', () => {
    expect(packagePath('./onnx//x.onnx', 'p')).toBe('onnx/x.onnx');
    expect(packagePath('onnx/a%20b.onnx', 'p')).toBe('onnx/a b.onnx');
    expect(packageUrl('https://host/models/pkg/', 'onnx/a b.onnx').href).toBe(
      'https://host/models/pkg/onnx/a%20b.onnx',
    );
    expect(() => packageUrl('https://host/models/pkg/', '%2e%2e/other/x')).toThrow(/goes up a folder/);
  });
});

/** A loopback server answering from a table of path → [status, headers, body], recording each request. */
async function serve(routes: Record<string, [number, Record<string, string>, string]>) {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const [status, headers, body] = routes[req.url ?? ''] ?? [404, {}, 'not found'];
    res.writeHead(status, headers);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

describe('the package URL reader (fetch-reader.ts)', () => {
  let a: Awaited<ReturnType<typeof serve>>;
  let b: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    b = await serve({ '/evil.onnx': [200, {}, 'evil'] });
    a = await serve({
      '/pkg/ok.onnx': [200, {}, 'ok'],
      '/pkg/moved.onnx': [302, { location: '/pkg/ok.onnx' }, ''],
      '/pkg/away.onnx': [302, { location: `${b.url}/evil.onnx` }, ''],
    });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  it('follows a redirect within its origin, refuses one to another origin before fetching there', async () => {
    const reader = new FetchReader(`${a.url}/pkg/`);
    expect(new TextDecoder().decode((await reader.read('ok.onnx')).bytes)).toBe('ok');
    expect(new TextDecoder().decode((await reader.read('moved.onnx')).bytes)).toBe('ok');
    await expect(reader.read('away.onnx')).rejects.toThrow(
      /redirected to http:\/\/127\.0\.0\.1:\d+; a redirect to another origin is refused \(nothing was fetched from it\)/,
    );
    expect(b.requests).toEqual([]);
  });

  it('never requests a path outside the package', async () => {
    const reader = new FetchReader(`${a.url}/pkg/`);
    const before = a.requests.length;
    for (const p of ['%2e%2e/secret', '..%5Csecret', `${b.url}/evil.onnx`, '/secret'])
      await expect(reader.read(p), p).rejects.toThrow(/must stay inside the package/);
    expect(a.requests.length).toBe(before);
    expect(b.requests).toEqual([]);
  });
});

describe('image headers before decoding (image-header.ts)', () => {
  const png = (w: number, h: number) =>
    PNG.sync.write(Object.assign(new PNG({ width: w, height: h }), { data: Buffer.alloc(w * h * 4, 255) }));
  it('refuses a header past the one pixel limit, for images and masks alike', () => {
    const header = png(20, 20);
    header.writeUInt32BE(30000, 16);
    header.writeUInt32BE(30000, 20);
    expect(imageSizeFromHeader(header)).toEqual({ width: 30000, height: 30000 });
    expect(() => checkImageHeader(header, 'x.png', 'model-input')).toThrow(/limit is 40 MP/);
    expect(() => checkImageHeader(header, 'mask', 'mask')).toThrow(/limit is 40 MP/);
    expect(() => decodeImage(header, 'x.png', 'mask')).toThrow(/limit is 40 MP/);
    const url = `data:image/png;base64,${header.toString('base64')}`;
    expect(() => decodePngDataUrl(url, 'mask')).toThrow(/mask is 30000×30000 pixels/);
    // the page checks an opened trace's image and mask the same way
    expect(() => checkTraceImages({ mask: url })).toThrow(/mask is 30000×30000 pixels/);
    expect(() => checkTraceImages({ image: { dataUrl: url } })).toThrow(/image is 30000×30000 pixels/);
    expect(() => checkTraceImages({ image: 'data:image/webp;base64,AAAA' })).not.toThrow();
    expect(MAX_IMAGE_PIXELS).toBe(40_000_000);
  });

  it('takes small masks (below the model’s 16 px minimum) and refuses headers that give no size', () => {
    expect(decodeImage(png(4, 4), 'm', 'mask').width).toBe(4);
    expect(() => decodeImage(png(4, 4), 'i', 'model-input')).toThrow(/at least 16×16/);
    expect(() => checkImageHeader(png(20, 20).subarray(0, 20), 't.png', 'mask')).toThrow(
      /its PNG header gives no size/,
    );
    expect(() => checkImageHeader(Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]), 't.jpg', 'mask')).toThrow(
      /its JPEG header gives no size/,
    );
  });
});

describe('finite JSON (finite-json.ts)', () => {
  it('prints finite numbers and refuses the others, naming where they are', () => {
    expect(finiteJson({ a: [1, 2.5], b: { c: 0 } })).toBe('{"a":[1,2.5],"b":{"c":0}}');
    expect(() => finiteJson({ map: [0, Infinity] })).toThrow(NonFiniteOutputError);
    expect(() => finiteJson({ map: [0, Infinity] })).toThrow(/map\[1\] is Infinity/);
    expect(() => finiteJson({ tauT: NaN })).toThrow(/tauT is NaN/);
    // an evaluation's undefined metric (no P(yes)) is null by definition, and only that
    expect(finiteJson({ auroc: NaN }, { undefinedAsNull: true })).toBe('{"auroc":null}');
    expect(() => finiteJson({ auroc: -Infinity }, { undefinedAsNull: true })).toThrow(/auroc is -Infinity/);
  });

  it('refuses a freshly made trace with a non-finite row value or P(yes)', () => {
    const ok = {
      generated: [{ attention: [Float32Array.of(0.5, 0.25)] }],
      promptAttention: [Float32Array.of(1)],
    };
    expect(() => assertFiniteTrace(ok)).not.toThrow();
    expect(() =>
      assertFiniteTrace({ ...ok, generated: [{ attention: [Float32Array.of(0, Infinity)] }] }),
    ).toThrow(/generated\[0\]\.attention\[0\]\[1\] = Infinity/);
    expect(() => assertFiniteTrace({ ...ok, promptAttention: [Float32Array.of(NaN)] })).toThrow(
      /promptAttention\[0\]\[0\] = NaN/,
    );
    expect(() => assertFiniteTrace({ ...ok, answerProbability: NaN })).toThrow(/answerProbability = NaN/);
  });
});
