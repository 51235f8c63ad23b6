import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrace, parseTraceChunks, readTrace, TraceFormatError } from './read';
import { serializeTrace, traceToJson } from './write';
import { buildTrace } from '../../../tests/trace-builder';

const text = readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8');
const json = () => JSON.parse(text);

/** Parses the fixture after `mutate` has broken it. */
function errorOf(mutate: (t: ReturnType<typeof json>) => void) {
  const t = json();
  mutate(t);
  return parseTrace(JSON.stringify(t));
}

/** The fixture as version 2, with every version-2 field. */
function v2() {
  const t = json();
  t.version = 2;
  t.image = { width: 30, height: 30, dataUrl: t.image ?? 'data:image/png;base64,AAAA' };
  t.views = [
    { name: 'flipped', rows: 3, cols: 3, positions: [8, 7, 6, 5, 4, 3, 2, 1, 0], box: [0, 0, 30, 30] },
  ];
  t.modelInfo = { name: 'm', family: 'qwen2_5_vl', source: 'org/m', dtype: 'q4', attentionLayers: [3, 7] };
  t.prompting = { system: 'Answer.', tier: 2 };
  t.answer = null;
  t.generation = {
    greedy: false,
    repetitionPenalty: 1.05,
    temperature: 0.6,
    topK: 20,
    topP: 0.95,
    seed: 4294967295,
    maxTokens: 600,
  };
  t.sizing = { mode: 'native', size: [1344, 768], capped: true };
  return t;
}

function v2Error(mutate: (t: ReturnType<typeof json>) => void) {
  const t = v2();
  mutate(t);
  return parseTrace(JSON.stringify(t));
}

describe('reading a trace', () => {
  it('reads a valid trace, with rows as Float32Arrays', () => {
    const t = parseTrace(text);
    expect(t.generated).toHaveLength(9);
    expect(t.generated[1].attention[0]).toBeInstanceOf(Float32Array);
    expect(t.generated[1].attention[0]).toHaveLength(15);
    expect(t.label).toBe(1);
  });
  it('round-trips through the writer', () => {
    const once = serializeTrace(parseTrace(text));
    expect(serializeTrace(parseTrace(once))).toBe(once);
    expect(traceToJson(parseTrace(text))).toEqual(json());
  });
  it.each([
    ['not JSON', () => parseTrace('{"format": '), '(file)'],
    ['wrong format', () => errorOf((t) => (t.format = 'other')), 'format'],
    ['unknown version', () => errorOf((t) => (t.version = 3)), 'version'],
    ['missing grid', () => errorOf((t) => delete t.grid), 'grid'],
    ['zero rows', () => errorOf((t) => (t.grid.rows = 0)), 'grid.rows'],
    ['too few image positions', () => errorOf((t) => t.imagePositions.pop()), 'imagePositions'],
    [
      'a row one value short',
      () => errorOf((t) => t.generated[2].attention[1].pop()),
      'generated[2].attention[1]',
    ],
    ['a missing layer', () => errorOf((t) => t.generated[3].attention.pop()), 'generated[3].attention'],
    [
      'a negative value',
      () => errorOf((t) => (t.generated[1].attention[0][3] = -1)),
      'generated[1].attention[0][3]',
    ],
    [
      'a string value',
      () => errorOf((t) => (t.generated[1].attention[0][3] = '0.1')),
      'generated[1].attention[0][3]',
    ],
    ['a missing special flag', () => errorOf((t) => delete t.generated[0].special), 'generated[0].special'],
    ['a reused position', () => errorOf((t) => (t.prompt[0].position = 3)), 'prompt[0].position'],
    [
      'a generated token inside the prompt',
      () =>
        errorOf((t) => {
          t.generated[1].position = 12;
          t.generated[1].attention = t.generated[1].attention.map((r: number[]) => r.slice(0, 13));
        }),
      'generated[1].position',
    ],
    ['a bad label', () => errorOf((t) => (t.label = 'yes')), 'label'],
    ['a short prompt row', () => errorOf((t) => t.promptAttention[0].pop()), 'promptAttention[0]'],
    // issue 12: the exact field, limits first, finite numbers in range
    [
      'the first token missing a layer',
      () => errorOf((t) => t.generated[0].attention.pop()),
      'generated[0].attention',
    ],
    [
      'a value past float32’s range',
      () => parseTrace(text.replace(/("attention":\[\[)0(,|\])/, '$11e39$2')),
      'generated[0].attention[0][0]',
    ],
    [
      '1e999 (Infinity) as a value',
      () => parseTrace(text.replace(/("attention":\[\[)0(,|\])/, '$11e999$2')),
      'generated[0].attention[0][0]',
    ],
    [
      'a huge grid, before its positions',
      () => errorOf((t) => (t.grid = { rows: 100000, cols: 100000 })),
      'grid',
    ],
    [
      'a position past the limit',
      () => errorOf((t) => (t.prompt[0].position = 2 ** 40)),
      'prompt[0].position',
    ],
    ['a non-integer id', () => errorOf((t) => (t.generated[0].id = 1.5)), 'generated[0].id'],
    [
      'Infinity in settings',
      () => parseTrace(text.replace(/}$/, ',"settings":{"a":[1e999]}}')),
      'settings.a[0]',
    ],
  ])('names the field for %s', (_name, run, field) => {
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceFormatError);
    expect((err as TraceFormatError).field).toBe(field);
    expect((err as Error).message.startsWith(field)).toBe(true);
  });
});

describe('reading a trace object in memory (what a structured clone hands over)', () => {
  /** The field readTrace names for the fixture, as an object, after `mutate`; null if it is accepted. */
  function fieldOf(mutate: (t: ReturnType<typeof json>) => void): string | null {
    const t = json();
    mutate(t);
    try {
      readTrace(t);
      return null;
    } catch (e) {
      // One line naming the field, never a TypeError from reading into a hole.
      expect(e).toBeInstanceOf(TraceFormatError);
      expect((e as Error).message).not.toMatch(/\n/);
      return (e as TraceFormatError).field;
    }
  }
  /** Makes index i of the array a hole (as `[a, , c]` is), keeping its length. */
  const hole = (a: unknown[], i: number) => delete a[i];

  it('reads the same trace as the text does', () => {
    expect(serializeTrace(readTrace(json()))).toBe(serializeTrace(parseTrace(text)));
  });
  it.each([
    ['a hole in prompt', (t: ReturnType<typeof json>) => hole(t.prompt, 1), 'prompt[1]'],
    ['a hole in generated', (t: ReturnType<typeof json>) => hole(t.generated, 2), 'generated[2]'],
    [
      'a hole in imagePositions',
      (t: ReturnType<typeof json>) => hole(t.imagePositions, 4),
      'imagePositions[4]',
    ],
    [
      'a hole in a token’s layers',
      (t: ReturnType<typeof json>) => hole(t.generated[1].attention, 0),
      'generated[1].attention[0]',
    ],
    [
      'a hole in a row',
      (t: ReturnType<typeof json>) => hole(t.generated[1].attention[0], 3),
      'generated[1].attention[0][3]',
    ],
    [
      'an object for prompt',
      (t: ReturnType<typeof json>) => (t.prompt = { 0: t.prompt[0], length: 1 }),
      'prompt',
    ],
    ['a string for generated', (t: ReturnType<typeof json>) => (t.generated = 'tokens'), 'generated'],
    ['a number for imagePositions', (t: ReturnType<typeof json>) => (t.imagePositions = 9), 'imagePositions'],
    [
      'an object for a row',
      (t: ReturnType<typeof json>) => (t.generated[0].attention[0] = {}),
      'generated[0].attention[0]',
    ],
    [
      'a hole in promptAttention',
      (t: ReturnType<typeof json>) => hole(t.promptAttention, 0),
      'promptAttention[0]',
    ],
  ])('refuses %s, naming the field', (_name, mutate, field) => {
    expect(fieldOf(mutate)).toBe(field);
  });
  it('takes typed rows (Float32Array, Float64Array) and checks their values', () => {
    const typed = json();
    typed.generated.forEach((g: { attention: number[][] }, i: number) => {
      g.attention = g.attention.map((r) => (i % 2 ? new Float32Array(r) : new Float64Array(r))) as never;
    });
    expect(serializeTrace(readTrace(typed))).toBe(serializeTrace(parseTrace(text)));
    expect(fieldOf((t) => (t.generated[1].attention[0] = new Float32Array(15).fill(NaN)))).toBe(
      'generated[1].attention[0][0]',
    );
  });
});

describe('images and masks are data: URLs, never anything a reader would fetch', () => {
  it.each([
    [
      'an https image (version 2)',
      () => v2Error((t) => (t.image.dataUrl = 'https://example.com/x.png')),
      'image.dataUrl',
    ],
    [
      'a protocol-relative image',
      () => v2Error((t) => (t.image.dataUrl = '//example.com/x.png')),
      'image.dataUrl',
    ],
    ['an http image (version 1)', () => errorOf((t) => (t.image = 'http://example.com/x.png')), 'image'],
    ['a file: mask', () => errorOf((t) => (t.mask = 'file:///etc/passwd')), 'mask'],
    ['a blob: mask', () => errorOf((t) => (t.mask = 'blob:https://example.com/1')), 'mask'],
    ['a data URL after spaces', () => errorOf((t) => (t.image = ' data:image/png;base64,AAAA')), 'image'],
  ])('refuses %s', (_name, run, field) => {
    let err: unknown;
    try {
      run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TraceFormatError);
    expect((err as TraceFormatError).field).toBe(field);
  });
  it('says which scheme it refused', () => {
    expect(() => v2Error((t) => (t.image.dataUrl = 'https://example.com/x.png'))).toThrow(
      'image.dataUrl: expected a data: URL, not a https: URL (a trace never points elsewhere)',
    );
  });
  it('takes data: URLs in any case', () => {
    expect(() => errorOf((t) => (t.image = 'DATA:image/png;base64,AAAA'))).not.toThrow();
  });
});

describe('version 2', () => {
  it('reads every version-2 field, and writes it back as version 2', () => {
    const t = parseTrace(JSON.stringify(v2()));
    expect(t.version).toBe(2);
    expect(t.views?.[0].positions).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(t.modelInfo?.attentionLayers).toEqual([3, 7]);
    expect(t.prompting).toEqual({ system: 'Answer.', tier: 2 });
    expect(t.answer).toBeNull();
    expect(t.generation).toEqual(v2().generation);
    expect(t.sizing).toEqual({ mode: 'native', size: [1344, 768], capped: true });
    expect(traceToJson(t)).toEqual(v2());
  });
  it('reads version 1 unchanged, keeping version-2 fields out of it', () => {
    const t = errorOf((x) => (x.views = 'not even an array'));
    expect(t.version).toBe(1);
    expect(t.views).toBeUndefined();
    expect(JSON.parse(serializeTrace(t)).version).toBe(1);
  });
  it('accepts a UTF-8 byte-order mark', () => {
    expect(parseTrace(`\ufeff${text}`).generated).toHaveLength(9);
  });
  it.each([
    [
      'a view of the wrong size',
      (t: ReturnType<typeof json>) => t.views[0].positions.pop(),
      'views[0].positions',
    ],
    [
      'a view position after the prompt',
      (t: ReturnType<typeof json>) => (t.views[0].positions[2] = 20),
      'views[0].positions[2]',
    ],
    [
      'a view position twice',
      (t: ReturnType<typeof json>) => (t.views[0].positions[2] = 8),
      'views[0].positions[2]',
    ],
    [
      'two views of one name',
      (t: ReturnType<typeof json>) => t.views.push({ ...t.views[0] }),
      'views[1].name',
    ],
    ['a box past the image', (t: ReturnType<typeof json>) => (t.views[0].box[2] = 31), 'views[0].box[2]'],
    ['an inverted box', (t: ReturnType<typeof json>) => (t.views[0].box = [5, 0, 5, 30]), 'views[0].box[2]'],
    ['an image of no width', (t: ReturnType<typeof json>) => (t.image.width = 0), 'image.width'],
    [
      'an image of a billion pixels',
      (t: ReturnType<typeof json>) => (t.image = { ...t.image, width: 40000, height: 40000 }),
      'image',
    ],
    [
      'an image without its data URL',
      (t: ReturnType<typeof json>) => delete t.image.dataUrl,
      'image.dataUrl',
    ],
    [
      'attentionLayers not ascending',
      (t: ReturnType<typeof json>) => (t.modelInfo.attentionLayers = [7, 3]),
      'modelInfo.attentionLayers[1]',
    ],
    [
      'attentionLayers naming too many layers',
      (t: ReturnType<typeof json>) => t.modelInfo.attentionLayers.push(11),
      'modelInfo.attentionLayers',
    ],
    ['a numeric model name', (t: ReturnType<typeof json>) => (t.modelInfo.name = 3), 'modelInfo.name'],
    ['tier 4', (t: ReturnType<typeof json>) => (t.prompting.tier = 4), 'prompting.tier'],
    ['an answer of "maybe"', (t: ReturnType<typeof json>) => (t.answer = 'maybe'), 'answer'],
    [
      'greedy as a string',
      (t: ReturnType<typeof json>) => (t.generation.greedy = 'yes'),
      'generation.greedy',
    ],
    [
      'no repetition penalty',
      (t: ReturnType<typeof json>) => delete t.generation.repetitionPenalty,
      'generation.repetitionPenalty',
    ],
    [
      'a penalty of 0',
      (t: ReturnType<typeof json>) => (t.generation.repetitionPenalty = 0),
      'generation.repetitionPenalty',
    ],
    ['a top-p above 1', (t: ReturnType<typeof json>) => (t.generation.topP = 1.5), 'generation.topP'],
    ['a fractional top-k', (t: ReturnType<typeof json>) => (t.generation.topK = 2.5), 'generation.topK'],
    ['a negative seed', (t: ReturnType<typeof json>) => (t.generation.seed = -1), 'generation.seed'],
    [
      'no tokens allowed',
      (t: ReturnType<typeof json>) => (t.generation.maxTokens = 0),
      'generation.maxTokens',
    ],
    ['generation as a list', (t: ReturnType<typeof json>) => (t.generation = []), 'generation'],
    ['an unknown sizing mode', (t: ReturnType<typeof json>) => (t.sizing.mode = 'huge'), 'sizing.mode'],
    ['a sizing of one number', (t: ReturnType<typeof json>) => (t.sizing.size = [420]), 'sizing.size'],
    ['a fractional size', (t: ReturnType<typeof json>) => (t.sizing.size = [420.5, 420]), 'sizing.size[0]'],
    ['capped as a string', (t: ReturnType<typeof json>) => (t.sizing.capped = 'no'), 'sizing.capped'],
  ])('names the field for %s', (_name, mutate, field) => {
    expect(() => v2Error(mutate)).toThrow(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}: `));
  });
});

describe('reading JSON in chunks (traces past one string)', () => {
  const bytes = new TextEncoder().encode(text);
  const chunks = (b: Uint8Array, size: number) =>
    Array.from({ length: Math.ceil(b.length / size) }, (_, i) => b.subarray(i * size, (i + 1) * size));
  it('reads the same trace as parseTrace, however it is cut', () => {
    for (const size of [1, 7, 64, 1 << 20])
      expect(parseTraceChunks(chunks(bytes, size))).toEqual(parseTrace(text));
  });
  it('keeps settings and timings as plain JSON, and names the same fields', () => {
    const t = json();
    t.timings = { stepMs: Array.from({ length: 100 }, (_, i) => i / 3) };
    const got = parseTraceChunks([new TextEncoder().encode(JSON.stringify(t))]);
    expect(Array.isArray(got.timings!.stepMs)).toBe(true);
    expect(serializeTrace(got)).toBe(serializeTrace(parseTrace(JSON.stringify(t))));
    t.generated[2].attention[1].pop();
    expect(() => parseTraceChunks([new TextEncoder().encode(JSON.stringify(t))])).toThrow(
      /^generated\[2\]\.attention\[1\]: expected 16 values, got 15/,
    );
    expect(() => parseTraceChunks([new TextEncoder().encode('{"format": ')])).toThrow(/^\(file\): not JSON/);
  });

  it('reads long rows (Float64Arrays from the parser) exactly, and names a bad value in one', () => {
    const cells = Array.from({ length: 81 }, (_, i) => ((i * 37) % 81) / 810);
    const big = buildTrace({
      rows: 9,
      cols: 9,
      layers: 2,
      prompt: ['▁Any', '▁defects', '?'],
      generated: [
        { text: '<think>', special: true },
        { text: '▁here', maps: [cells, cells.slice().reverse()], extra: [{ 82: 0.1 }, { 82: 0.2 }] },
        { text: '</think>', special: true },
      ],
    });
    const once = serializeTrace(big);
    const b = new TextEncoder().encode(once);
    expect(serializeTrace(parseTraceChunks(chunks(b, 1000)))).toBe(once);
    const broken = new TextEncoder().encode(once.replace(/("attention":\[\[)0,/, '$11e39,'));
    expect(() => parseTraceChunks([broken])).toThrow(
      /^generated\[0\]\.attention\[0\]\[0\]: 1e\+39 is past float32's range/,
    );
  });
});
