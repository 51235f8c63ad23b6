import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrace, readAnswer } from '../src/real';
import { cudaProblem, installedCuda } from '../src/cli/node-ort';
import { writeTinyPackage } from './onnx/tiny-vlm';

function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

function writePng(path: string, width: number, height: number, pixel: (x: number, y: number) => number) {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = pixel(x, y);
      png.data[i + 3] = 255;
    }
  writeFileSync(path, PNG.sync.write(png));
}

let root: string;
let pkg: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'real-run-'));
  pkg = join(root, 'pkg');
  writeTinyPackage(pkg);
  writePng(join(root, 'a.png'), 24, 24, (x, y) => (x * 11 + y * 5) % 256);
  writePng(join(root, 'tiny.png'), 1, 1, () => 0);
  writeFileSync(join(root, 'notes.txt'), 'not an image');
});

/** A copy of the package with one thing broken. */
function broken(name: string, breakIt: (dir: string) => void): string {
  const dir = join(root, name);
  writeTinyPackage(dir);
  breakIt(dir);
  return dir;
}

describe('real run', () => {
  it('writes a valid trace of the answer', () => {
    const out = join(root, 'a.trace.json');
    const r = real('run', join(root, 'a.png'), '--model', pkg, '--out', out);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/tiny-test-vlm on onnxruntime-node \(cpu\): /);
    const t = parseTrace(readFileSync(out, 'utf8'));
    expect(t.model).toBe('tiny-test-vlm');
    expect(t.generated).toHaveLength(8);
    // version 2: the model says which layers give rows; the image keeps its original size
    expect(t.version).toBe(2);
    expect(t.modelInfo).toMatchObject({
      name: 'tiny-test-vlm',
      family: 'real-demo',
      attentionLayers: [0, 1],
    });
    expect(t.image).toMatchObject({ width: 24, height: 24 });
    expect(typeof t.image === 'object' && t.image.dataUrl).toMatch(/^data:image\/png;base64,/);
    // and the scorer reads it
    const s = real('score', out);
    expect(s.status).toBe(0);
    expect(JSON.parse(s.stdout).map).toHaveLength(9);
  });

  it('runs on wasm with --runtime wasm, with the tokens and rows of the native default', () => {
    const native = real('run', join(root, 'a.png'), '--model', pkg);
    const wasm = real('run', join(root, 'a.png'), '--model', pkg, '--runtime', 'wasm');
    expect(wasm.status).toBe(0);
    expect(wasm.stderr).toMatch(/tiny-test-vlm on onnxruntime-web \(wasm\): /);
    const [n, w] = [parseTrace(native.stdout), parseTrace(wasm.stdout)];
    expect(w.generated.map((t) => t.id)).toEqual(n.generated.map((t) => t.id));
    let worst = 0;
    n.generated.forEach((t, i) =>
      t.attention.forEach((row, l) =>
        row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - w.generated[i].attention[l][j])))),
      ),
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it.each([
    [['--runtime', 'webgl'], /--runtime webgl: expected native \(onnxruntime-node\) or wasm/],
    [['--device', 'gpu'], /--device gpu: expected cpu or cuda/],
    [['--runtime', 'wasm', '--device', 'cuda'], /--device cuda runs on onnxruntime-node/],
  ])('refuses the runtime flags %j in one line, exit 2', (flags, message) => {
    const r = real('run', join(root, 'a.png'), '--model', pkg, ...flags);
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(message)]);
  });

  it('--device cuda without the CUDA provider installed: one line saying how to install it, exit 2', () => {
    const install = installedCuda();
    if (cudaProblem(install) === null) {
      console.warn('skipped: this onnxruntime-node has its CUDA provider');
      return;
    }
    const r = real('run', join(root, 'a.png'), '--model', pkg, '--device', 'cuda');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^real: --device cuda: .*ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node/,
      ),
    ]);
  });

  it('takes sampling and length flags, and rejects bad ones', () => {
    const flags = ['--max-tokens', '3', '--temperature', '1.2', '--top-p', '0.9', '--seed', '5'];
    const a = real('run', join(root, 'a.png'), '--model', pkg, ...flags);
    expect(a.status).toBe(0);
    expect(parseTrace(a.stdout).generated).toHaveLength(3);
    // the same seed, the same tokens
    const b = real('run', join(root, 'a.png'), '--model', pkg, ...flags);
    expect(parseTrace(b.stdout).generated.map((t) => t.id)).toEqual(
      parseTrace(a.stdout).generated.map((t) => t.id),
    );
    expect(real('run', join(root, 'a.png'), '--model', pkg, '--top-p', '0').stderr).toMatch(
      /--top-p 0: expected a number in \(0, 1\]/,
    );
    expect(real('run', join(root, 'a.png'), '--model', pkg, '--max-tokens', '0').stderr).toMatch(
      /--max-tokens 0/,
    );
    expect(real('run', join(root, 'a.png'), '--model', pkg, '--repetition-penalty', '0').stderr).toMatch(
      /--repetition-penalty 0: expected a number above 0 \(1 is none\)/,
    );
    expect(real('run', join(root, 'a.png'), '--model', pkg, '--top-k', '2.5').stderr).toMatch(
      /--top-k 2\.5: expected a whole number ≥ 0/,
    );
  });

  it.each([
    [
      'a non-image file',
      () => [join(root, 'notes.txt'), '--model', pkg],
      /notes\.txt: not a PNG or JPEG image/,
    ],
    ['a 1×1 image', () => [join(root, 'tiny.png'), '--model', pkg], /1×1 pixels; at least 16×16/],
    ['no --model', () => [join(root, 'a.png')], /--model DIR is needed/],
    ['a folder with no package', () => [join(root, 'a.png'), '--model', root], /no readable manifest\.json/],
    [
      'a truncated ONNX file',
      () => [
        join(root, 'a.png'),
        '--model',
        broken('trunc', (d) => truncateSync(join(d, 'onnx/decoder_model_merged.onnx'), 100)),
      ],
      /onnx\/decoder_model_merged\.onnx has 100 bytes, the manifest says \d+: the file is truncated, corrupt/,
    ],
    [
      'a wrong hash',
      () => [
        join(root, 'a.png'),
        '--model',
        broken('hash', (d) => {
          const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
          m.files.embedTokens.sha256 = '0'.repeat(64);
          writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
        }),
      ],
      /onnx\/embed_tokens\.onnx does not match the SHA-256 in the manifest/,
    ],
    [
      'a manifest with a missing field',
      () => [
        join(root, 'a.png'),
        '--model',
        broken('field', (d) => {
          const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8'));
          delete m.grid;
          writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
        }),
      ],
      /manifest grid: expected an object/,
    ],
  ])('says what is wrong with %s, and exits 2', (_name, args, message) => {
    const r = real('run', ...(args() as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('real eval', () => {
  it('runs every image of a set and reports the four maps', () => {
    const set = join(root, 'set');
    mkdirSync(join(set, 'eval'), { recursive: true });
    const index = [0, 1, 2, 3].map((i) => {
      const label = i % 2;
      writePng(join(set, `eval/${i}.png`), 24, 24, (x, y) => (x * (3 + i) + y * 7) % 256);
      if (label) writePng(join(set, `eval/${i}_mask.png`), 24, 24, (x, y) => (x < 8 && y < 8 ? 255 : 0));
      return { id: `s${i}`, image: `eval/${i}.png`, mask: label ? `eval/${i}_mask.png` : null, label };
    });
    writeFileSync(join(set, 'index.json'), JSON.stringify(index));
    const traces = join(root, 'traces');
    const r = real('eval', set, '--model', pkg, '--traces', traces);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.images).toBe(4);
    expect(out.anomalous).toBe(2);
    for (const m of ['all', 'sI', 'sT', 'both']) {
      expect(out.pixel[m].all.positives).toBe(2 * 64);
      expect(out.pixel[m].anomalous.negatives).toBe(2 * (576 - 64));
    }
    expect(r.stderr).toMatch(/4\/4 images .*s3/);
    expect(r.stderr).toMatch(/ReAL \(S_T and S_I\)/);
    // The tiny random model has no yes or no word in most answers: those have no P(yes)
    // (real-method.md's answer reading), the image curves are undefined, and it is said so.
    const unknown = readdirSync(traces)
      .filter((f) => f.endsWith('.json') && f !== 'report.json')
      .map((f) => JSON.parse(readFileSync(join(traces, f), 'utf8')) as { generated: { text: string }[] })
      .filter((t) => readAnswer(t.generated).answer === null).length;
    expect(unknown).toBeGreaterThan(0);
    expect(out.image.auroc).toBeNull();
    expect(out.image.missingAnswerProbability).toBe(unknown);
    // The saved traces give the same pixel numbers without the model.
    const again = real('eval-traces', traces);
    expect(again.status).toBe(0);
    expect(JSON.parse(again.stdout).pixel).toEqual(out.pixel);
    // On wasm: the same evaluation, within the runtimes' rounding.
    const wasm = real('eval', set, '--model', pkg, '--runtime', 'wasm');
    expect(wasm.status).toBe(0);
    const w = JSON.parse(wasm.stdout);
    for (const m of ['all', 'sI', 'sT', 'both'])
      expect(w.pixel[m].all.auroc).toBeCloseTo(out.pixel[m].all.auroc, 4);
  });
});
