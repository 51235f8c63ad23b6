/**
 * Issue 12's hostile and broken inputs, each through the `real` command as
 * users run it: one line on standard error naming what is wrong, exit 2,
 * nothing written or read outside its folder; and the bounded ones measured
 * (tests/cli-measure.ts runs the command in-process and reports its time and
 * peak memory).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { serializeTrace } from '../src/real';
import { TINY, decoderModel, tinyWeights, visionEncoderModel, writeTinyPackage } from './onnx/tiny-vlm';
import { buildTrace, oneHot } from './trace-builder';
import { expectBounded, measured, real, refused } from './cli-process';

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** 167 bytes whose header claims 30000 × 30000 RGB pixels (2.7 GB once decoded). */
function pngBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(30000, 0);
  ihdr.writeUInt32BE(30000, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(Buffer.alloc(90_000))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function writePng(path: string, width: number, height: number, value = 128) {
  const png = new PNG({ width, height });
  png.data.fill(value);
  writeFileSync(path, PNG.sync.write(png));
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const readJson = (p: string) => JSON.parse(readFileSync(p, 'utf8'));

let root: string;
let pkg: string;
let image: string;
let bomb: string;
let fifo: string | null;
let outside: string;

interface ManifestJson {
  files: Record<string, { path: string; sha256: string; bytes: number }>;
  grid: { rows: number; cols: number };
  family: string;
}

/** A tiny package with its manifest (and maybe files) changed. */
function variant(name: string, change: (manifest: ManifestJson, dir: string) => void): string {
  const dir = join(root, name);
  writeTinyPackage(dir);
  const m = readJson(join(dir, 'manifest.json'));
  change(m, dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

/** Puts other bytes in a package file and updates its hash and size in the manifest. */
function replaceFile(m: ManifestJson, dir: string, key: string, bytes: Uint8Array) {
  writeFileSync(join(dir, m.files[key].path), bytes);
  m.files[key].sha256 = sha(bytes);
  m.files[key].bytes = bytes.length;
}

const HAND = 'tests/fixtures/traces/hand-computed.json';

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'real-hostile-'));
  outside = join(root, 'outside');
  mkdirSync(outside);
  pkg = join(root, 'pkg');
  writeTinyPackage(pkg);
  image = join(root, 'a.png');
  writePng(image, 24, 24);
  bomb = join(root, 'bomb.png');
  writeFileSync(bomb, pngBomb());
  fifo = join(root, 'fifo');
  if (spawnSync('mkfifo', [fifo]).status !== 0) fifo = null;
});

describe('inputs that are not regular files are refused at once', () => {
  it('/dev/zero as a trace', () => {
    refused(real('score', '/dev/zero'), /^real: \/dev\/zero: is a device, not a regular file$/m);
    const m = measured('score', '/dev/zero');
    expect(m.code).toBe(2);
    expectBounded(m, 1000, 300);
  });

  it('a FIFO as the trace or the image (no hang)', (ctx) => {
    if (!fifo) return ctx.skip('mkfifo is not available here');
    refused(real('score', fifo), /fifo: is a named pipe \(FIFO\), not a regular file/);
    refused(real('run', fifo, '--model', pkg), /fifo: is a named pipe \(FIFO\), not a regular file/);
    const m = measured('run', fifo, '--model', pkg);
    expectBounded(m, 1000);
  });

  it('a folder as the image', () => {
    refused(real('run', outside, '--model', pkg), /outside: is a folder, not a file/);
  });
});

describe('images are checked from their header before any decoding', () => {
  it('refuses a 167-byte PNG claiming 30000×30000 in under 1 s and 300 MB', () => {
    expect(readFileSync(bomb)).toHaveLength(167);
    refused(
      real('run', bomb, '--model', pkg),
      /bomb\.png is 30000×30000 pixels \(900 MP\); the limit is 40 MP/,
    );
    const m = measured('run', bomb, '--model', pkg);
    expect(m.message).toMatch(/30000×30000 pixels/);
    expectBounded(m, 1000, 300);
  });

  it('refuses the same PNG as a mask in eval-traces in under 1 s and 300 MB', () => {
    const dir = join(root, 'bomb-mask');
    mkdirSync(dir);
    const t = buildTrace({
      rows: 2,
      cols: 2,
      layers: 1,
      prompt: ['▁defects'],
      generated: [{ text: '▁a', maps: [oneHot(4, { 0: 0.5 })] }],
    });
    t.label = 1;
    t.mask = `data:image/png;base64,${pngBomb().toString('base64')}`;
    writeFileSync(join(dir, 't.json'), serializeTrace(t));
    refused(real('eval-traces', dir), /t\.json: mask is 30000×30000 pixels \(900 MP\); the limit is 40 MP/);
    const m = measured('eval-traces', dir);
    expectBounded(m, 1000, 300);
  });

  it('refuses the PNG as an image or a mask of `real eval`, before running the model on it', () => {
    const set = join(root, 'bomb-set');
    mkdirSync(set);
    writeFileSync(join(set, 'b.png'), pngBomb());
    writePng(join(set, 'a.png'), 24, 24);
    writeFileSync(
      join(set, 'index.json'),
      JSON.stringify([{ id: 'b', image: 'b.png', mask: null, label: 0 }]),
    );
    refused(real('eval', set, '--model', pkg), /b\.png is 30000×30000 pixels/);
    writeFileSync(
      join(set, 'index.json'),
      JSON.stringify([{ id: 'a', image: 'a.png', mask: 'b.png', label: 1 }]),
    );
    refused(real('eval', set, '--model', pkg), /b\.png is 30000×30000 pixels/);
  });
});

describe('no escape from folders', () => {
  it('`real eval`: an id that would leave --traces is refused, and nothing is written', () => {
    const set = join(root, 'set-escape');
    mkdirSync(set);
    writePng(join(set, 'a.png'), 24, 24);
    writeFileSync(
      join(set, 'index.json'),
      JSON.stringify([{ id: '../../x', image: 'a.png', mask: null, label: 0 }]),
    );
    const traces = join(set, 'deep', 'traces');
    const before = readdirSync(root);
    refused(
      real('eval', set, '--model', pkg, '--traces', traces),
      /index\.json: \[0\]\.id "\.\.\/\.\.\/x": has "\/" or "\\"; an id used as a file name must be a plain name/,
    );
    expect(readdirSync(root)).toEqual(before);
    expect(existsSync(join(set, 'x.json'))).toBe(false);
    expect(existsSync(join(set, 'deep'))).toBe(false);
    // two entries with one id would overwrite each other's trace
    writeFileSync(
      join(set, 'index.json'),
      JSON.stringify([
        { id: 's', image: 'a.png', mask: null, label: 0 },
        { id: 's', image: 'a.png', mask: null, label: 0 },
      ]),
    );
    refused(real('eval', set, '--model', pkg, '--traces', traces), /\[1\]\.id "s": also the id of \[0\]/);
  });

  it('`real eval`: image paths that leave the set, directly or by a symlink, are refused', () => {
    const set = join(root, 'set-paths');
    mkdirSync(set);
    writePng(join(outside, 'o.png'), 24, 24);
    symlinkSync(join(outside, 'o.png'), join(set, 'link.png'));
    for (const [path, message] of [
      ['../outside/o.png', /\[0\]\.image "\.\.\/outside\/o\.png": leads outside/],
      [join(outside, 'o.png'), /\[0\]\.image ".*": expected a path relative to/],
      ['link.png', /link\.png: leads outside .* \(to .*o\.png\); refusing to read it/],
    ] as const) {
      writeFileSync(
        join(set, 'index.json'),
        JSON.stringify([{ id: 'a', image: path, mask: null, label: 0 }]),
      );
      refused(real('eval', set, '--model', pkg), message);
    }
  });

  it('`real eval-traces`: a trace symlinked from outside the folder is not read', () => {
    const dir = join(root, 'traces-link');
    mkdirSync(dir);
    cpSync(HAND, join(outside, 'secret.json'));
    symlinkSync(join(outside, 'secret.json'), join(dir, 'a.json'));
    refused(real('eval-traces', dir), /a\.json: leads outside .*; refusing to read it/);
  });

  it('a package file symlinked to outside the package is not read', () => {
    const dir = variant('pkg-symlink', (m, d) => {
      const decoder = join(d, m.files.decoder.path);
      cpSync(decoder, join(outside, 'decoder.onnx'));
      spawnSync('rm', [decoder]);
      symlinkSync(join(outside, 'decoder.onnx'), decoder);
    });
    refused(
      real('run', image, '--model', dir),
      /decoder_model_merged\.onnx: leads outside .*; refusing to read it/,
    );
  });

  it.each([
    ['%2e%2e/', '%2e%2e/outside/decoder.onnx', /goes up a folder/],
    ['..\\', '..\\outside\\decoder.onnx', /has a backslash/],
    ['an absolute URL', 'http://other-origin.test/decoder.onnx', /is a URL or a drive path/],
    ['an absolute path', '/etc/passwd', /is absolute/],
    ['%252e%252e/', 'onnx/%252e%252e/%252e%252e/x.onnx', /goes up a folder/],
  ])('a manifest path with %s is refused', (_name, path, why) => {
    const dir = variant(`pkg-path-${sha(Buffer.from(path)).slice(0, 8)}`, (m) => {
      m.files.decoder.path = path;
    });
    refused(
      real('run', image, '--model', dir),
      new RegExp(`manifest files\\.decoder\\.path ".*": ${why.source}.*; it must stay inside the package`),
    );
  });
});

describe('numbers in and out are finite and in range', () => {
  it.each([
    ['--alpha 1.7e308', ['--alpha', '1.7e308'], /--alpha 1\.7e308: expected a number from 0 to 1000000/],
    ['--beta 1e7', ['--beta', '1e7'], /--beta 1e7: expected a number from 0 to 1000000/],
    [
      '--k with 20 digits',
      ['--k', '99999999999999999999'],
      /--k 99999999999999999999: expected a whole number from 1 to 1000000/,
    ],
    [
      '--layers past the range',
      ['--layers', '0:99999999999'],
      /--layers 0:99999999999: expected layers counted from 0 up to 1000000/,
    ],
  ])('`real score` refuses %s', (_name, flags, message) => {
    refused(real('score', HAND, ...(flags as string[])), message);
  });

  it.each([
    [
      '--temperature 1e308',
      ['--temperature', '1e308'],
      /--temperature 1e308: expected a number from 0 to 100/,
    ],
    [
      '--seed 2^32',
      ['--seed', '4294967296'],
      /--seed 4294967296: expected a whole number from 0 to 4294967295/,
    ],
    [
      '--max-tokens 10^7',
      ['--max-tokens', '10000000'],
      /--max-tokens 10000000: expected a whole number from 1 to 1000000/,
    ],
    ['--top-p NaN', ['--top-p', 'NaN'], /--top-p NaN: expected a number in \(0, 1\]/],
  ])('`real run` refuses %s', (_name, flags, message) => {
    refused(real('run', image, '--model', pkg, ...(flags as string[])), message);
  });

  it('refuses an attention value past float32, and prints finite numbers for a trace with no reasoning token', () => {
    const t = readJson(HAND);
    t.generated[1].attention[0][0] = 3.5e38;
    const f = join(root, 'big.json');
    writeFileSync(f, JSON.stringify(t));
    refused(real('score', f), /generated\[1\]\.attention\[0\]\[0\]: 3\.5e\+38 is past float32's range/);
    // No reasoning token: the spec pins τ_t = τ_i = 0, the map all zeros.
    const none = buildTrace({
      rows: 2,
      cols: 2,
      layers: 1,
      prompt: ['?'],
      generated: [
        { text: '<answer>', special: true },
        { text: '▁yes' },
        { text: '</answer>', special: true },
      ],
    });
    const g = join(root, 'none.json');
    writeFileSync(g, serializeTrace(none));
    const r = real('score', g);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toMatch(/null|Infinity|NaN/);
    const out = JSON.parse(r.stdout);
    expect(out.reasoning).toEqual([]);
    expect([out.tauT, out.tauI]).toEqual([0, 0]);
    expect(out.map).toEqual([0, 0, 0, 0]);
  });

  it('refuses to print a trace whose attention the model gave as NaN', () => {
    const w = tinyWeights();
    w.wq[0][0] = NaN;
    const dir = variant('pkg-nan', (m, d) => replaceFile(m, d, 'decoder', decoderModel(w)));
    refused(
      real('run', image, '--model', dir),
      /the model gave generated\[0\]\.attention\[0\]\[0\] = NaN; refusing to write a trace that is not finite/,
    );
  });

  it('reads a trace with a UTF-8 byte-order mark', () => {
    const f = join(root, 'bom.json');
    writeFileSync(f, `\ufeff${readFileSync(HAND, 'utf8')}`);
    const r = real('score', f);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).reasoning).toEqual([1, 2, 3, 4]);
  });
});

describe('clear lines for wrong files', () => {
  it('a PNG given to `score` is named, without its raw bytes', () => {
    refused(real('score', image), /a\.png: is a PNG image, not a trace/);
  });

  it('swapped ONNX files name the file', () => {
    const dir = variant('pkg-swapped', (m) => {
      [m.files.visionEncoder, m.files.embedTokens] = [m.files.embedTokens, m.files.visionEncoder];
    });
    refused(
      real('run', image, '--model', dir),
      /onnx\/vision_encoder\.onnx is not an embed_tokens graph: it has no input 'input_ids', output 'inputs_embeds' \(its inputs: pixel_values; .*\); is it swapped with another file\?/,
    );
  });

  it('a vision encoder for another image size names the file, the input and both sizes', () => {
    const dir = variant('pkg-vision-size', (m, d) =>
      replaceFile(m, d, 'visionEncoder', visionEncoderModel(tinyWeights({ ...TINY, patch: 5 }))),
    );
    refused(
      real('run', image, '--model', dir),
      /onnx\/vision_encoder\.onnx: input 'pixel_values' is \[1, 3, 12, 12\], the model takes \[batch_size, 3, 15, 15\]; is the file for another model or size\?/,
    );
  });

  it('a decoder of another hidden size names the file, the input and both sizes', () => {
    const dir = variant('pkg-decoder-size', (m, d) =>
      replaceFile(m, d, 'decoder', decoderModel(tinyWeights({ ...TINY, heads: 3 }))),
    );
    refused(
      real('run', image, '--model', dir),
      /onnx\/decoder_model_merged\.onnx: input 'inputs_embeds' has size 12 on axis 2, the manifest says decoder\.hiddenSize = 8/,
    );
  });

  it('a family named "constructor" is an unknown family', () => {
    const dir = variant('pkg-constructor', (m) => {
      m.family = 'constructor';
    });
    refused(
      real('run', image, '--model', dir),
      /model family "constructor" is not supported \(known: .*real-demo/,
    );
  });

  it('a grid of the right count but the wrong shape is refused at load', () => {
    const dir = variant('pkg-grid', (m) => {
      m.grid = { rows: 9, cols: 1 };
    });
    refused(
      real('run', image, '--model', dir),
      /onnx\/vision_encoder\.onnx and the manifest's grid \(9×1\) disagree: .* the encoder's tokens form a 3×3 grid, not 9×1/,
    );
  });

  it('the demo model: a 16×9 grid on its 12×12 encoder, and a question longer than its 256 positions', () => {
    const demo = join(root, 'demo');
    cpSync('public/models/real-demo-v1', demo, { recursive: true });
    const m = readJson(join(demo, 'manifest.json'));
    writeFileSync(join(demo, 'manifest.json'), JSON.stringify({ ...m, grid: { rows: 16, cols: 9 } }));
    const sample = 'public/samples/eval/001_brick_scratch.png';
    refused(
      real('run', sample, '--model', demo),
      /the manifest's grid \(16×9\) disagree: a change at the image's top-right corner moves token 11, so the encoder's tokens form a 12×12 grid, not 16×9/,
    );
    const question = Array.from({ length: 5000 }, () => 'defects').join(' ');
    refused(
      real('run', sample, '--model', 'public/models/real-demo-v1', '--question', question),
      /the prompt takes \d{4} positions and the model has 256/,
    );
  });
});
