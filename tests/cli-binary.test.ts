import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseTraceBytes, serializeTrace, type Trace } from '../src/real';
import { buildTrace, oneHot } from './trace-builder';

/** Runs the CLI as users do: `npm run --silent real -- …`. */
function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const HAND = 'tests/fixtures/traces/hand-computed.json';
const dir = mkdtempSync(join(tmpdir(), 'real-cli-binary-'));
const at = (name: string) => join(dir, name);

/** A version-2 trace with two views: the default 2×2 grid and its transpose. */
function withViews(): Trace {
  const t = buildTrace({
    rows: 2,
    cols: 2,
    layers: 2,
    prompt: ['▁Are', '▁there', '▁defects', '?'],
    generated: [
      { text: '<think>', special: true },
      {
        text: '▁left',
        maps: [oneHot(4, { 0: 0.5, 1: 0.1 }), oneHot(4, { 0: 0.3 })],
        extra: [{ 6: 0.2 }, { 6: 0.1 }],
      },
      {
        text: '▁top',
        maps: [oneHot(4, { 1: 0.6 }), oneHot(4, { 1: 0.2, 3: 0.1 })],
        extra: [{ 6: 0.1 }, { 6: 0.3 }],
      },
      {
        text: '▁edge',
        maps: [oneHot(4, { 2: 0.2, 3: 0.2 }), oneHot(4, { 3: 0.4 })],
        extra: [{ 6: 0.05 }, {}],
      },
      { text: '</think>', special: true },
    ],
  });
  return {
    ...t,
    version: 2,
    views: [{ name: 'transposed', rows: 2, cols: 2, positions: [0, 2, 1, 3], box: [0, 0, 10, 10] }],
    modelInfo: { name: 'test', attentionLayers: [5, 11] },
  };
}

describe('real convert and score on both forms', () => {
  it('converts JSON → binary (float32) → JSON exactly, and scores the same from each', () => {
    expect(real('convert', HAND, at('h32.rtrace'), '--float32').status).toBe(0);
    const r = real('convert', at('h32.rtrace'), at('h.json'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/h\.json: .* \(JSON\)/);
    expect(readFileSync(at('h.json'), 'utf8')).toBe(readFileSync(HAND, 'utf8'));
    const a = real('score', HAND);
    const b = real('score', at('h32.rtrace'));
    expect(b.status).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('converts to float16 by default, and scores it within float16 rounding', () => {
    const r = real('convert', HAND, at('h16.rtrace'));
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/binary, float16 rows/);
    const want = JSON.parse(real('score', HAND).stdout);
    const got = JSON.parse(real('score', at('h16.rtrace')).stdout);
    expect(got.reasoning).toEqual(want.reasoning);
    got.map.forEach((v: number, i: number) => expect(v).toBeCloseTo(want.map[i], 3));
  });

  it('scores a named view with --view, in either form', () => {
    writeFileSync(at('views.json'), serializeTrace(withViews()));
    expect(real('convert', at('views.json'), at('views.rtrace')).status).toBe(0);
    for (const file of [at('views.json'), at('views.rtrace')]) {
      const plain = JSON.parse(real('score', file).stdout);
      const t = JSON.parse(real('score', file, '--view', 'transposed').stdout);
      expect(t.map).toHaveLength(4);
      [0, 2, 1, 3].forEach((c, i) => expect(t.map[i]).toBeCloseTo(plain.map[c], 6));
    }
    const missing = real('score', at('views.rtrace'), '--view', 'tile 9');
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe(
      'real: --view "tile 9": the trace has no view of that name (views: "transposed")',
    );
  });

  it('writes version 2 fields through a binary round trip', () => {
    const back = parseTraceBytes(readFileSync(at('views.rtrace')));
    expect(back.version).toBe(2);
    expect(back.views?.[0].positions).toEqual([0, 2, 1, 3]);
    expect(back.modelInfo?.attentionLayers).toEqual([5, 11]);
  });

  it.each([
    [
      'a truncated binary trace',
      () => readFileSync(at('h16.rtrace')).subarray(0, 700),
      /^real: \S*bad\.rtrace: truncated: /,
    ],
    [
      'a binary trace with a bad row offset',
      () => {
        const b = Buffer.from(readFileSync(at('h16.rtrace')));
        const text = b.toString('latin1');
        const i = text.indexOf('"generated":[', text.indexOf('"rows":{"dtype"')) + '"generated":['.length;
        b[i] = b[i] === 0x39 ? 0x38 : b[i] + 1; // one digit of the first offset changed
        return b;
      },
      /^real: \S*bad\.rtrace: rows\.generated\[0\]: expected \d+/,
    ],
    [
      'a binary trace whose padding is not zeros',
      () => {
        // Of the files written above, one whose header does not end on a 64-byte boundary has padding to spoil.
        const b = ['h16.rtrace', 'h32.rtrace', 'views.rtrace']
          .map((f) => Buffer.from(readFileSync(at(f))))
          .find((f) => (16 + f.readUInt32LE(12)) % 64 !== 0)!;
        b[16 + b.readUInt32LE(12)] = 0x20;
        return b;
      },
      /^real: \S*bad\.rtrace: byte \d+ is padding before the rows and must be 0, not 32$/m,
    ],
  ])('exits 2 with one line for %s', (_name, make, message) => {
    const file = at('bad.rtrace');
    writeFileSync(file, make());
    const r = real('score', file);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('evaluates a folder of binary traces as it does their JSON', () => {
    const json = mkdtempSync(join(tmpdir(), 'real-eval-json-'));
    const bin = mkdtempSync(join(tmpdir(), 'real-eval-bin-'));
    const png = (on: boolean) => {
      const p = new PNG({ width: 1, height: 1 });
      p.data.set(on ? [255, 255, 255, 255] : [0, 0, 0, 255]);
      return `data:image/png;base64,${PNG.sync.write(p).toString('base64')}`;
    };
    [1, 0].forEach((label, i) => {
      const t = buildTrace({
        rows: 1,
        cols: 1,
        layers: 1,
        prompt: ['▁defects', '?'],
        generated: [
          { text: '▁a', maps: [[0.5]], extra: [{ 1: 0.2 }] },
          { text: '<answer>', special: true },
          { text: label ? '▁yes' : '▁no' },
        ],
      });
      t.label = label as 0 | 1;
      t.answerProbability = label ? 0.8 : 0.3;
      if (label) t.mask = png(true);
      else t.image = png(false);
      writeFileSync(join(json, `${i}.json`), serializeTrace(t));
      expect(real('convert', join(json, `${i}.json`), join(bin, `${i}.rtrace`), '--float32').status).toBe(0);
    });
    const a = real('eval-traces', json);
    const b = real('eval-traces', bin);
    expect(a.status).toBe(0);
    expect(b.status).toBe(0);
    expect(JSON.parse(b.stdout)).toEqual(JSON.parse(a.stdout));
    expect(JSON.parse(b.stdout).images).toBe(2);
  });

  it('refuses --float16 with a .json output, and a missing second path', () => {
    const a = real('convert', HAND, at('x.json'), '--float16');
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/--float16\/--float32 are for the binary form/);
    const b = real('convert', HAND);
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/convert: expected two paths/);
  });
});
