import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTrace, TraceFormatError } from './trace-read';
import { serializeTrace, traceToJson } from './trace-write';

const text = readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8');
const json = () => JSON.parse(text);

/** Parses the fixture after `mutate` has broken it. */
function errorOf(mutate: (t: ReturnType<typeof json>) => void) {
  const t = json();
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
    ['unknown version', () => errorOf((t) => (t.version = 2)), 'version'],
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
