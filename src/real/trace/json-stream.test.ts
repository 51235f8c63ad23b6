import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonStreamParser, JsonSyntaxError, NUMERIC_ARRAY_MIN } from './json-stream';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Parses `bytes` pushed in pieces cut at `cuts`. */
function parseCut(bytes: Uint8Array, cuts: number[]): unknown {
  const p = new JsonStreamParser();
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const c of [...at, bytes.length]) {
    p.push(bytes.subarray(from, c));
    from = c;
  }
  return p.end();
}

describe('the streaming JSON parser', () => {
  it('builds what JSON.parse builds, however the bytes are cut', () => {
    fc.assert(
      fc.property(fc.json(), fc.array(fc.nat(), { maxLength: 8 }), (text, cuts) => {
        expect(parseCut(utf8(text), cuts)).toEqual(JSON.parse(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads every number as JSON.parse does, to the bit', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.float({ noNaN: true, noDefaultInfinity: true }),
        ),
        fc.constantFrom('', 'e0', 'E+3', 'e-7'),
        (x, suffix) => {
          const text = `[${JSON.stringify(x)}${/e/i.test(JSON.stringify(x)) ? '' : suffix}]`;
          const [got] = parseCut(utf8(text), [3]) as number[];
          expect(Object.is(got, JSON.parse(text)[0])).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    for (const text of [
      '0.1',
      '1e999',
      '-0',
      '123456789012345678901234567890',
      '0.000001234',
      '4.9e-324',
      '1.7976931348623157e308',
    ])
      expect(Object.is(parseCut(utf8(text), []), JSON.parse(text))).toBe(true);
  });

  it('refuses what JSON.parse refuses', () => {
    const bad = [
      '',
      '[',
      '[1,]',
      '{"a":1,}',
      '{"a"}',
      '01',
      '1.',
      '.5',
      '-',
      '1e',
      '[1 2]',
      'tru',
      'nul',
      '"a',
      '"\\x"',
      '{1:2}',
      '[]]',
      '"\u0001"',
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text)).toThrow();
      expect(() => parseCut(utf8(text), [1])).toThrow(JsonSyntaxError);
    }
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.constantFrom(',', ']', '}', ':', '"', '0', 'x', '\\'),
        (text, at, ch) => {
          const broken = text.slice(0, at % (text.length + 1)) + ch + text.slice(at % (text.length + 1));
          let want: unknown;
          try {
            want = JSON.parse(broken);
          } catch {
            expect(() => parseCut(utf8(broken), [at])).toThrow(JsonSyntaxError);
            return;
          }
          expect(parseCut(utf8(broken), [at])).toEqual(want);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('keeps "__proto__" an own key, skips a byte-order mark, and reads UTF-8 split inside a character', () => {
    const o = parseCut(utf8('{"__proto__":{"x":1},"é":"défauts ✓ 😀"}'), [3, 20, 30, 31, 32]) as Record<
      string,
      unknown
    >;
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__', 'é']);
    expect(o['é']).toBe('défauts ✓ 😀');
    expect(parseCut(Uint8Array.of(0xef, 0xbb, 0xbf, ...utf8('[1]')), [1, 2])).toEqual([1]);
    expect(() => parseCut(Uint8Array.of(0x22, 0xc3, 0x28, 0x22), [])).toThrow(/UTF-8/);
  });

  it('gives long arrays of numbers as Float64Arrays when asked, with the same values', () => {
    const long = Array.from({ length: NUMERIC_ARRAY_MIN + 5 }, (_, i) => (i % 3 ? i / 7 : -i * 1e-9));
    const text = JSON.stringify({ rows: [long, long.slice(0, 3), [...long, 'x'], [[1], ...long]], n: long });
    const p = new JsonStreamParser({ numericArrays: true });
    const bytes = utf8(text);
    for (let i = 0; i < bytes.length; i += 97) p.push(bytes.subarray(i, i + 97));
    const got = p.end() as { rows: unknown[]; n: unknown };
    expect(got.rows[0]).toBeInstanceOf(Float64Array);
    expect(got.n).toBeInstanceOf(Float64Array);
    expect(Array.isArray(got.rows[1])).toBe(true); // short: a plain array
    expect(Array.isArray(got.rows[2])).toBe(true); // not all numbers
    const plain = JSON.parse(JSON.stringify(got, (_k, v) => (v instanceof Float64Array ? Array.from(v) : v)));
    expect(plain).toEqual(JSON.parse(text));
  });
});
