import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Runs the CLI as users do: `npm run --silent real -- …`. */
function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const HAND = 'tests/fixtures/traces/hand-computed.json';

describe('real score', () => {
  it('prints the spec’s object for the hand-computed trace, field by field', () => {
    const r = real('score', HAND);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['consistency', 'map', 'reasoning', 'tauI', 'tauT', 'tokens']);
    // The arithmetic is in src/real/score.test.ts.
    expect(out.reasoning).toEqual([1, 2, 3, 4]);
    const expected = [
      { index: 1, sT: 0.3, sI: 0, sTNorm: 1, sINorm: 1, selected: true, weight: 1 },
      {
        index: 2,
        sT: 0.25,
        sI: 0.6615632382,
        sTNorm: 0.8,
        sINorm: 0.6989095949,
        selected: true,
        weight: 0.7494547974,
      },
      { index: 3, sT: 0.2, sI: 2.1972245773, sTNorm: 0.6, sINorm: 0, selected: false, weight: 0 },
      { index: 4, sT: 0.05, sI: 0, sTNorm: 0, sINorm: 1, selected: false, weight: 0 },
    ];
    expect(out.tokens).toHaveLength(4);
    out.tokens.forEach((t: Record<string, number | boolean>, i: number) => {
      expect(Object.keys(t).sort()).toEqual(['index', 'sI', 'sINorm', 'sT', 'sTNorm', 'selected', 'weight']);
      for (const [k, v] of Object.entries(expected[i])) {
        if (typeof v === 'number') expect(t[k]).toBeCloseTo(v, 6);
        else expect(t[k]).toBe(v);
      }
    });
    expect(out.tauT).toBeCloseTo(0.7, 6);
    expect(out.tauI).toBeCloseTo(0.6989095949, 6);
    expect(out.map).toHaveLength(9);
    [0.5873636994, 0, 0, 0, 0, 0, 0, 0, 0.1124182196].forEach((v, i) => expect(out.map[i]).toBeCloseTo(v, 6));
    expect(out.consistency).toEqual({ topK: [1, 2], jaccard: 1 });
    expect(r.stderr).toBe('');
  });

  it('takes --alpha, --beta, --k and --layers', () => {
    const a = JSON.parse(real('score', HAND, '--alpha', '1', '--beta', '0').stdout);
    expect(a.tokens[1].weight).toBeCloseTo(0.8, 6);
    expect(a.map[0]).toBeCloseTo(0.6, 6);
    const k1 = JSON.parse(real('score', HAND, '--k', '1').stdout);
    // one top token with two weighted ones: ∩ = ∪ = its support {(0,0)}, so J = 1
    expect(k1.consistency).toEqual({ topK: [1], jaccard: 1 });
    const l0 = JSON.parse(real('score', HAND, '--layers', '0:0').stdout);
    expect(l0.map[0]).toBeCloseTo(2 * 0.5873636994, 6);
    const l1 = JSON.parse(real('score', HAND, '--layers', '1:1').stdout);
    expect(l1.map).toEqual(new Array(9).fill(0));
  });

  it('scores a trace with no think tags and no anomaly word', () => {
    const out = JSON.parse(real('score', 'tests/fixtures/traces/no-tags-no-anomaly-word.json').stdout);
    expect(out.reasoning).toEqual([0, 1]);
    expect(out.tauT).toBe(1);
    expect(out.tauI).toBe(0.5);
    expect(out.tokens.map((t: { weight: number }) => t.weight)).toEqual([1, 0]);
    expect(out.consistency).toEqual({ topK: [0], jaccard: 0 });
  });

  const dir = mkdtempSync(join(tmpdir(), 'real-cli-'));
  const bad = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const fixture = () => JSON.parse(readFileSync(HAND, 'utf8'));

  it.each([
    ['not JSON', () => [bad('a.json', '{"format":')], /not JSON/],
    [
      'an unknown version',
      () => [bad('b.json', JSON.stringify({ ...fixture(), version: 7 }))],
      /^real: \S*b\.json: version: unknown version 7/,
    ],
    [
      'a short attention row',
      () => {
        const t = fixture();
        t.generated[2].attention[0].pop();
        return [bad('c.json', JSON.stringify(t))];
      },
      /^real: \S*c\.json: generated\[2\]\.attention\[0\]: expected 16 values, got 15/,
    ],
    ['a missing file', () => [join(dir, 'nope.json')], /nope\.json: cannot read \(ENOENT\)/],
    ['a negative --alpha', () => [HAND, '--alpha=-1'], /--alpha -1: expected a finite number ≥ 0/],
    ['--alpha followed by a dash', () => [HAND, '--alpha', '-1'], /--alpha/],
    [
      'an infinite --alpha',
      () => [HAND, '--alpha', 'Infinity'],
      /--alpha Infinity: expected a finite number/,
    ],
    ['a non-numeric --beta', () => [HAND, '--beta', 'x'], /--beta x/],
    ['--k 0', () => [HAND, '--k', '0'], /--k 0: expected a whole number ≥ 1/],
    ['--k 1.5', () => [HAND, '--k', '1.5'], /--k 1.5/],
    ['--layers out of range', () => [HAND, '--layers', '0:5'], /the trace has 2 layers/],
    ['--layers backwards', () => [HAND, '--layers', '1:0'], /FROM must not be after TO/],
    ['--layers malformed', () => [HAND, '--layers', '1'], /expected FROM:TO/],
    ['an unknown option', () => [HAND, '--gamma', '1'], /gamma/],
    ['no trace', () => [], /expected one path/],
  ])('exits 2 with a one-line error for %s', (_name, args, message) => {
    const r = real('score', ...(args() as string[]));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
