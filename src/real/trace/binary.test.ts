import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Float16Row, floatToHalf, halfToFloat } from './float16';
import { scoreTrace } from '../score';
import { defaultSettings } from '../settings';
import type { AnyTrace, AttentionRow, Trace } from './types';
import {
  BINARY_PREFIX_BYTES,
  binaryTraceParts,
  isBinaryTrace,
  parseBinaryTrace,
  parseTraceBytes,
  type RowDtype,
} from './binary';
import { TraceFormatError, parseTrace } from './read';
import { serializeTrace, traceJsonParts, traceToJson } from './write';
import { withView } from './views';

/** Deterministic values in [0, 1) with some zeros, tiny (float16-subnormal) and exact ones. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const r = s / 2 ** 32;
    out[i] = i % 7 === 0 ? 0 : i % 11 === 0 ? r * 1e-6 : i % 13 === 0 ? 0.5 : r / 3;
  }
  return out;
}

/**
 * A version-2 trace shaped like a tiled model's: image tokens not contiguous
 * (a separator between the grid's rows, prompt text between tiles), several
 * views, rows for decoder layers 3, 7 and 11 only (a hybrid model).
 */
function tiledTrace(opts: { reasoning?: boolean } = {}): Trace {
  const layers = 3;
  // positions: 0 "<|im_start|>", grid rows at 1–3 and 5–7 (4 is a separator), global view at 9, 10
  const imagePositions = [1, 2, 3, 5, 6, 7];
  const prompt = [
    { position: 0, text: '<|im_start|>' },
    { position: 4, text: '\n' },
    { position: 8, text: '<global>' },
    { position: 11, text: 'Are' },
    { position: 12, text: ' there' },
    { position: 13, text: ' defects' },
    { position: 14, text: '?' },
  ];
  const texts =
    opts.reasoning === false
      ? ['<answer>', ' No', '</answer>']
      : ['<think>', ' the', ' scratch', ' left', '</think>', '<answer>', ' Yes', '</answer>'];
  let seed = 1;
  const rowsAt = (position: number) => Array.from({ length: layers }, () => values(position + 1, seed++));
  return {
    format: 'real-trace',
    version: 2,
    model: 'tiled-test',
    grid: { rows: 2, cols: 3 },
    imagePositions,
    prompt,
    generated: texts.map((text, i) => ({
      position: 15 + i,
      text,
      special: text.startsWith('<') && text.endsWith('>'),
      id: 1000 + i,
      attention: rowsAt(15 + i),
    })),
    promptAttention: rowsAt(14),
    image: { width: 300, height: 200, dataUrl: 'data:image/png;base64,AAAA' },
    label: 1,
    answerProbability: 0.75,
    settings: { alpha: 0.5 },
    views: [
      { name: 'global', rows: 1, cols: 2, positions: [9, 10], box: [0, 0, 300, 200] },
      { name: 'tile 0', rows: 2, cols: 1, positions: [1, 5], box: [0, 0, 100, 200] },
      { name: 'reversed', rows: 2, cols: 3, positions: [7, 6, 5, 3, 2, 1] },
    ],
    modelInfo: {
      name: 'Hybrid-VL',
      family: 'qwen3_5',
      source: 'org/hybrid',
      dtype: 'q4',
      attentionLayers: [3, 7, 11],
    },
    prompting: { system: 'Think, then answer.', tier: 1 },
    answer: opts.reasoning === false ? 'no' : 'yes',
  };
}

function binaryBytes(trace: AnyTrace, dtype: RowDtype = 'float16'): Uint8Array {
  const { size, parts } = binaryTraceParts(trace, dtype);
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  expect(at).toBe(size);
  return out;
}

function rowNumbers(row: AttentionRow): number[] {
  return row instanceof Float32Array ? Array.from(row) : Array.from(row.bits, halfToFloat);
}

/** Every field but the rows equal; rows compared by `rowsEqual`. */
function expectSameTrace(a: AnyTrace, b: AnyTrace, rowsEqual: (x: number[], y: number[]) => void) {
  const strip = (t: AnyTrace) => ({
    ...traceToJson({
      ...t,
      generated: t.generated.map((g) => ({ ...g, attention: [] })),
      promptAttention: undefined,
    }),
  });
  expect(strip(b)).toEqual(strip(a));
  expect(b.generated.length).toBe(a.generated.length);
  a.generated.forEach((t, i) => {
    expect(b.generated[i].attention).toHaveLength(t.attention.length);
    t.attention.forEach((row, l) => rowsEqual(rowNumbers(b.generated[i].attention[l]), rowNumbers(row)));
  });
  expect(b.promptAttention?.length).toBe(a.promptAttention?.length);
  a.promptAttention?.forEach((row, l) => rowsEqual(rowNumbers(b.promptAttention![l]), rowNumbers(row)));
}

const exactly = (x: number[], y: number[]) => expect(x).toEqual(y);
const withinFloat16 = (x: number[], y: number[]) => {
  expect(x).toHaveLength(y.length);
  y.forEach((v, i) => {
    // float16 rounding: half an ulp, 2^-11 relative for normals, 2^-25 absolute below 2^-14
    expect(Math.abs(x[i] - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
  });
};

describe('the binary trace container', () => {
  const cases: [string, () => Trace][] = [
    ['a tiled version-2 trace (non-contiguous image positions, views, layers 3, 7, 11)', () => tiledTrace()],
    ['a trace with no reasoning tokens', () => tiledTrace({ reasoning: false })],
    [
      'the hand-computed version-1 fixture',
      () => parseTrace(readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8')),
    ],
  ];

  it.each(cases)('round-trips %s exactly as float32', (_name, make) => {
    const trace = make();
    const bytes = binaryBytes(trace, 'float32');
    expect(isBinaryTrace(bytes)).toBe(true);
    const back = parseTraceBytes(bytes);
    expect(back.generated[0].attention[0]).toBeInstanceOf(Float32Array);
    expectSameTrace(trace, back, exactly);
    // and on to JSON and back: the same text as the original's
    expect(serializeTrace(parseTrace(serializeTrace(back)))).toBe(serializeTrace(trace));
  });

  it.each(cases)('round-trips %s within float16 rounding, rows kept as float16', (_name, make) => {
    const trace = make();
    const back = parseBinaryTrace(binaryBytes(trace));
    expect(back.generated[0].attention[0]).toBeInstanceOf(Float16Row);
    expectSameTrace(trace, back, withinFloat16);
    // float16 → float16 is exact, and float16 → JSON → float16 too
    expect(binaryBytes(back)).toEqual(binaryBytes(trace));
    expect(binaryBytes(parseTrace(serializeTrace(back)))).toEqual(binaryBytes(trace));
  });

  it('scores the same from JSON, float32 and float16 (float16 within its rounding)', () => {
    const trace = tiledTrace();
    const s = defaultSettings();
    const json = scoreTrace(parseTrace(serializeTrace(trace)), s);
    const f32 = scoreTrace(parseBinaryTrace(binaryBytes(trace, 'float32')), s);
    expect(f32).toEqual(json);
    const f16 = scoreTrace(parseBinaryTrace(binaryBytes(trace)), s);
    expect(f16.reasoning).toEqual(json.reasoning);
    Array.from(f16.map).forEach((v, i) => expect(v).toBeCloseTo(json.map[i], 3));
  });

  it('scores a view other than the default, and a trace with no reasoning tokens with τ = 0', () => {
    const trace = parseBinaryTrace(binaryBytes(tiledTrace()));
    const global = scoreTrace(withView(trace, 'global'), defaultSettings());
    expect(global.map).toHaveLength(2);
    const reversed = scoreTrace(withView(trace, 'reversed'), defaultSettings());
    const plain = scoreTrace(trace, defaultSettings());
    expect(Array.from(reversed.map)).toEqual(Array.from(plain.map).reverse());
    expect(() => withView(trace, 'nope')).toThrow(
      /view "nope": the trace has no view of that name \(views: "global"/,
    );

    const none = scoreTrace(
      parseBinaryTrace(binaryBytes(tiledTrace({ reasoning: false }))),
      defaultSettings(),
    );
    expect(none.reasoning).toEqual([]);
    expect(none.tauT).toBe(0);
    expect(none.tauI).toBe(0);
    expect(Array.from(none.map)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('writes JSON in parts that join to the whole, and version 2 only with version-2 fields', () => {
    const trace = tiledTrace();
    const parts = [...traceJsonParts(trace)];
    expect(parts.length).toBe(trace.generated.length + 4);
    expect(parts.join('')).toBe(JSON.stringify(traceToJson(trace)));
    const v1 = parseTrace(readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8'));
    expect(JSON.parse(serializeTrace(v1)).version).toBe(1);
    expect(JSON.parse(serializeTrace({ ...v1, answer: null })).version).toBe(2);
  });

  it('puts one token’s rows for a layer range in one contiguous read', () => {
    const trace = tiledTrace();
    const bytes = binaryBytes(trace, 'float32');
    const { headerLength } = { headerLength: new DataView(bytes.buffer).getUint32(12, true) };
    const header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(BINARY_PREFIX_BYTES, BINARY_PREFIX_BYTES + headerLength)),
    );
    const g = 3;
    const length = trace.generated[g].position + 1;
    // layers 1..2 of token 3
    const start = header.rows.generated[g] + 1 * length * 4;
    const got = new Float32Array(bytes.slice(start, start + 2 * length * 4).buffer);
    expect(Array.from(got)).toEqual([...trace.generated[g].attention[1], ...trace.generated[g].attention[2]]);
    expect(header.rows.byteOffset % 64).toBe(0);
  });

  it('refuses a value past float16’s range when writing float16, naming it', () => {
    const trace = tiledTrace();
    trace.generated[2].attention[1][4] = 70000;
    expect(() => binaryBytes(trace)).toThrow(
      /^generated\[2\]\.attention\[1\]\[4\]: 70000 is past float16's range/,
    );
    expect(() => binaryBytes(trace, 'float32')).not.toThrow();
    expect(floatToHalf(65504)).toBe(0x7bff);
  });
});

describe('a broken binary trace gets one line naming what is wrong', () => {
  const good = () => binaryBytes(tiledTrace());
  const headerOf = (b: Uint8Array) => {
    const n = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
    return JSON.parse(new TextDecoder().decode(b.subarray(16, 16 + n)));
  };
  /** The file with its header replaced (same length, padded with spaces, or the caller's layout shift). */
  const withHeader = (b: Uint8Array, edit: (h: Record<string, unknown>) => void) => {
    const n = new DataView(b.buffer, b.byteOffset).getUint32(12, true);
    const h = headerOf(b);
    edit(h);
    const text = new TextEncoder().encode(JSON.stringify(h));
    if (text.length > n) throw new Error('test: the edited header is longer');
    const out = b.slice();
    out.fill(0x20, 16, 16 + n);
    out.set(text, 16);
    return out;
  };
  const f16At = (b: Uint8Array, field: (h: Record<string, never>) => number, bits: number) => {
    const out = b.slice();
    new DataView(out.buffer).setUint16(field(headerOf(b) as Record<string, never>), bits, true);
    return out;
  };

  it.each<[string, () => Uint8Array, string, RegExp]>([
    ['an empty file', () => new Uint8Array(0), '(file)', /not JSON/],
    [
      'padding that is not zeros',
      () => {
        // One fewer header byte: its last byte (a space of the padded header, or "}") becomes padding.
        const b = withHeader(good(), (h) => (h.model = String(h.model).slice(1)));
        const view = new DataView(b.buffer);
        const n = view.getUint32(12, true);
        const text = new TextDecoder().decode(b.subarray(16, 16 + n));
        const trimmed = text.trimEnd();
        if (trimmed.length === text.length) throw new Error('test: the header has no trailing space to move');
        view.setUint32(12, trimmed.length, true);
        return b;
      },
      '(file)',
      /^\(file\): byte \d+ is padding before the rows and must be 0, not 32$/,
    ],
    [
      'only the magic',
      () => good().slice(0, 8),
      '(file)',
      /truncated: a binary trace starts with 16 bytes, this one has 8/,
    ],
    [
      'cut inside the header',
      () => good().slice(0, 40),
      '(file)',
      /truncated: the header claims \d+ bytes, the file has 24/,
    ],
    [
      'cut inside the rows',
      () => good().slice(0, -10),
      '(file)',
      /truncated: the rows end at byte \d+, the file has \d+ bytes/,
    ],
    ['bytes after the rows', () => Uint8Array.from([...good(), 0]), '(file)', /extra bytes after them/],
    [
      'an unknown container version',
      () => {
        const b = good();
        b[8] = 9;
        return b;
      },
      '(file)',
      /binary container version 9; this reader knows version 1/,
    ],
    [
      'a header that is not JSON',
      () => {
        const b = good();
        b[16] = 0x7b;
        b[17] = 0x7b;
        return b;
      },
      'header',
      /not JSON/,
    ],
    [
      'a header claiming 4 GB',
      () => {
        const b = good();
        b.set([0xff, 0xff, 0xff, 0xff], 12);
        return b;
      },
      'header',
      /past the limit/,
    ],
    [
      'a wrong dtype',
      () => withHeader(good(), (h) => ((h.rows as Record<string, unknown>).dtype = 'int8')),
      'rows.dtype',
      /expected "float16" or "float32"/,
    ],
    [
      'a wrong layer count',
      () => withHeader(good(), (h) => ((h.rows as Record<string, unknown>).layers = 2)),
      'modelInfo.attentionLayers',
      /names 3 decoder layers, but the rows have 2/,
    ],
    [
      'a wrong row length',
      () => withHeader(good(), (h) => ((h.rows as Record<string, unknown>).byteLength = 12)),
      'rows.byteLength',
      /expected \d+/,
    ],
    [
      'a wrong block offset',
      () => withHeader(good(), (h) => ((h.rows as { generated: number[] }).generated[4] += 2)),
      'rows.generated[4]',
      /expected \d+/,
    ],
    [
      'rows in the header',
      () =>
        withHeader(good(), (h) => {
          (h.generated as Record<string, unknown>[])[1].attention = [];
          delete h.prompting; // room for the field
        }),
      'generated[1].attention',
      /in blocks, not in its header/,
    ],
    [
      'a generated position moved',
      () => withHeader(good(), (h) => ((h.generated as Record<string, number>[])[7].position = 40)),
      'rows.byteLength',
      /expected/,
    ],
    [
      'a view with a position after the prompt',
      () => withHeader(good(), (h) => ((h.views as { positions: number[] }[])[0].positions[1] = 16)),
      'views[0].positions[1]',
      /after the prompt/,
    ],
    [
      'attentionLayers out of order',
      () =>
        withHeader(
          good(),
          (h) => ((h.modelInfo as { attentionLayers: number[] }).attentionLayers = [3, 11, 7]),
        ),
      'modelInfo.attentionLayers[2]',
      /ascending/,
    ],
    [
      'Infinity in a float16 row',
      () => f16At(good(), (h) => (h.rows as { generated: number[] }).generated[2] + (2 * 18 + 5) * 2, 0x7c00),
      'generated[2].attention[2][5]',
      /Infinity/,
    ],
    [
      'NaN in the prompt rows',
      () => f16At(good(), (h) => (h.rows as { promptAttention: number }).promptAttention + 3 * 2, 0x7e01),
      'promptAttention[0][3]',
      /NaN/,
    ],
    [
      'a negative float16',
      () => f16At(good(), (h) => (h.rows as { generated: number[] }).generated[0] + 2, 0xbc00),
      'generated[0].attention[0][1]',
      /-1/,
    ],
  ])('%s', (_name, make, field, message) => {
    let err: unknown;
    try {
      parseTraceBytes(make());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceFormatError);
    expect((err as TraceFormatError).field).toBe(field);
    expect((err as Error).message.startsWith(`${field}: `)).toBe(true);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a negative float32 value, naming it', () => {
    const b = binaryBytes(tiledTrace(), 'float32');
    const h = headerOf(b);
    new DataView(b.buffer).setFloat32(h.rows.generated[1] + 1 * 17 * 4, -0.5, true);
    expect(() => parseTraceBytes(b)).toThrow(
      /^generated\[1\]\.attention\[1\]\[0\]: expected a finite number ≥ 0, got -0.5/,
    );
  });
});
