/**
 * A JSON parser fed with bytes in chunks, for traces past what one JavaScript
 * string can hold (V8 stops at ~512 MiB; a Qwen2.5-VL-3B run is ~470 MB of
 * JSON, longer runs more): it builds the same value JSON.parse would, from
 * UTF-8 bytes, without a string of the whole text. Numbers take the exact
 * fast path (≤ 15 significant digits and a power of ten ≤ 22: one correctly
 * rounded IEEE operation), else Number() of their text. Objects are built as
 * JSON.parse builds them (`__proto__` is an own key; the last duplicate wins).
 */

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

// Parser states.
const S = {
  Value: 0, // expecting a value
  AfterValue: 1, // expecting ',' or the container's end
  Key: 2, // expecting a key (or '}' right after '{')
  Colon: 3,
  Done: 4,
} as const;

/** An array frame holds numbers in the shared scratch while it has nothing else (`numeric`). */
type Frame = {
  array: unknown[] | null;
  object: Record<string, unknown> | null;
  key: string;
  numeric: boolean;
};

/** Arrays of at least this many numbers become Float64Arrays when `numericArrays` is on. */
export const NUMERIC_ARRAY_MIN = 64;

export interface JsonStreamOptions {
  /**
   * Long arrays of numbers (attention rows) as Float64Arrays: the same
   * values, 8 bytes each, without a JS array's slack. Off by default, so the
   * result is exactly JSON.parse's.
   */
  numericArrays?: boolean;
}

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const MAX_DEPTH = 10_000;
const BOM = [0xef, 0xbb, 0xbf];

function setKey(o: Record<string, unknown>, k: string, v: unknown) {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
  else o[k] = v;
}

export class JsonStreamParser {
  constructor(private readonly options: JsonStreamOptions = {}) {}
  private state: number = S.Value;
  private scratch = new Float64Array(1024);
  private scratchLength = 0;
  private stack: Frame[] = [];
  private root: unknown = undefined;
  private offset = 0; // bytes consumed before the current chunk
  private bom = 0; // bytes of a byte-order mark seen so far (3: done)
  // a token that a chunk boundary cut: its bytes so far
  private pending: 'string' | 'number' | 'literal' | null = null;
  private buf = new Uint8Array(256);
  private len = 0;
  private escaped = false; // the string has a backslash
  private backslash = false; // the previous string byte was an unescaped backslash

  push(chunk: Uint8Array): void {
    let i = 0;
    const n = chunk.length;
    // A byte-order mark, possibly cut across chunks (any other start byte ends the check).
    while (this.bom < 3 && i < n) {
      if (chunk[i] === BOM[this.bom]) {
        this.bom++;
        i++;
      } else if (this.bom > 0) this.unexpected(chunk[i], i);
      else this.bom = 3;
    }
    while (i < n) {
      if (this.pending === 'string') {
        i = this.stringBytes(chunk, i);
        continue;
      }
      if (this.pending === 'number') {
        i = this.numberBytes(chunk, i);
        continue;
      }
      if (this.pending === 'literal') {
        i = this.literalBytes(chunk, i);
        continue;
      }
      const c = chunk[i];
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
        i++;
        continue;
      }
      switch (this.state) {
        case S.Value:
          i = this.startValue(chunk, i, c);
          break;
        case S.AfterValue: {
          const top = this.stack[this.stack.length - 1];
          if (c === 0x2c /* , */) this.state = top.array ? S.Value : S.Key;
          else if (c === 0x5d /* ] */ && top.array) this.close();
          else if (c === 0x7d /* } */ && top.object) this.close();
          else this.unexpected(c, i);
          i++;
          break;
        }
        case S.Key:
          if (c === 0x22) {
            this.beginToken('string');
            i++;
          } else if (c === 0x7d && this.keyMayClose) {
            this.close();
            i++;
          } else this.unexpected(c, i);
          break;
        case S.Colon:
          if (c !== 0x3a) this.unexpected(c, i);
          this.state = S.Value;
          i++;
          break;
        case S.Done:
          this.unexpected(c, i);
      }
    }
    this.offset += n;
  }

  /** The value, once every byte has been pushed. */
  end(): unknown {
    if (this.pending === 'number' || this.pending === 'literal') this.finishToken();
    if (this.pending || this.state !== S.Done) {
      throw new JsonSyntaxError(`unexpected end of the JSON text at byte ${this.offset}`);
    }
    return this.root;
  }

  private keyMayClose = false;

  private unexpected(c: number, i: number): never {
    const ch = c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16)}`;
    throw new JsonSyntaxError(`unexpected ${ch} at byte ${this.offset + i}`);
  }

  private beginToken(kind: 'string' | 'number' | 'literal') {
    this.pending = kind;
    this.len = 0;
    this.escaped = false;
    this.backslash = false;
  }

  private keep(chunk: Uint8Array, from: number, to: number) {
    const need = this.len + (to - from);
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2));
      grown.set(this.buf.subarray(0, this.len));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(from, to), this.len);
    this.len = need;
  }

  private startValue(chunk: Uint8Array, i: number, c: number): number {
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (this.stack.length >= MAX_DEPTH) throw new JsonSyntaxError(`nested deeper than ${MAX_DEPTH} levels`);
      const array = c === 0x5b ? [] : null;
      const object = c === 0x7b ? ({} as Record<string, unknown>) : null;
      // A container inside an all-numbers array: that array is a plain one now (and frees the scratch).
      const parent = this.stack[this.stack.length - 1];
      if (parent?.numeric) this.unnumber(parent);
      this.stack.push({ array, object, key: '', numeric: array !== null && !!this.options.numericArrays });
      if (array) this.scratchLength = 0;
      this.state = array ? S.Value : S.Key;
      this.keyMayClose = !array;
      this.emptyArray = !!array;
      return i + 1;
    }
    if (c === 0x5d /* ] */ && this.emptyArray) {
      this.close();
      return i + 1;
    }
    this.emptyArray = false;
    if (c === 0x22) {
      this.beginToken('string');
      return i + 1;
    }
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      this.beginToken('number');
      return i;
    }
    if (c === 0x74 || c === 0x66 || c === 0x6e) {
      this.beginToken('literal');
      return i;
    }
    return this.unexpected(c, i);
  }

  private emptyArray = false;

  private stringBytes(chunk: Uint8Array, i: number): number {
    const start = i;
    for (; i < chunk.length; i++) {
      const c = chunk[i];
      if (this.backslash) {
        this.backslash = false;
        continue;
      }
      if (c === 0x5c) {
        this.backslash = this.escaped = true;
        continue;
      }
      if (c === 0x22) {
        this.keep(chunk, start, i);
        this.finishToken();
        return i + 1;
      }
      if (c < 0x20) this.unexpected(c, i);
    }
    this.keep(chunk, start, i);
    return i;
  }

  private numberBytes(chunk: Uint8Array, i: number): number {
    const start = i;
    while (i < chunk.length) {
      const c = chunk[i];
      if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45) i++;
      else break;
    }
    if (i < chunk.length && this.len === 0) {
      // The common case, a number within one chunk: read in place, no copy.
      this.pending = null;
      this.addValue(numberValue(chunk, start, i, this.offset + start));
      return i;
    }
    this.keep(chunk, start, i);
    if (i < chunk.length) this.finishToken();
    return i;
  }

  private literalBytes(chunk: Uint8Array, i: number): number {
    const start = i;
    while (i < chunk.length && chunk[i] >= 0x61 && chunk[i] <= 0x7a) i++;
    this.keep(chunk, start, i);
    if (i < chunk.length) this.finishToken();
    return i;
  }

  private finishToken(): void {
    const kind = this.pending!;
    this.pending = null;
    const b = this.buf.subarray(0, this.len);
    let value: unknown;
    if (kind === 'string') value = this.stringValue(b);
    else if (kind === 'number') value = numberValue(b, 0, b.length, this.offset);
    else {
      const text = String.fromCharCode(...b);
      if (text === 'true') value = true;
      else if (text === 'false') value = false;
      else if (text === 'null') value = null;
      else throw new JsonSyntaxError(`unexpected '${text.slice(0, 12)}' near byte ${this.offset}`);
    }
    if (kind === 'string' && this.state === S.Key) {
      this.stack[this.stack.length - 1].key = value as string;
      this.state = S.Colon;
      return;
    }
    this.addValue(value);
  }

  private stringValue(b: Uint8Array): string {
    let s = '';
    let ascii = true;
    for (let k = 0; k < b.length; k++) if (b[k] >= 0x80) ascii = false;
    if (ascii) {
      for (let k = 0; k < b.length; k += 8192) s += String.fromCharCode(...b.subarray(k, k + 8192));
    } else s = decodeUtf8(b, this.offset);
    if (!this.escaped) return s;
    try {
      return JSON.parse(`"${s}"`) as string;
    } catch {
      throw new JsonSyntaxError(`a bad escape in a string near byte ${this.offset}`);
    }
  }

  private addValue(value: unknown): void {
    this.emptyArray = false;
    this.keyMayClose = false;
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = value;
      this.state = S.Done;
      return;
    }
    if (top.numeric) {
      if (typeof value === 'number') {
        if (this.scratchLength === this.scratch.length) {
          const grown = new Float64Array(this.scratch.length * 2);
          grown.set(this.scratch);
          this.scratch = grown;
        }
        this.scratch[this.scratchLength++] = value;
        this.state = S.AfterValue;
        return;
      }
      this.unnumber(top);
    }
    if (top.array) top.array.push(value);
    else setKey(top.object!, top.key, value);
    this.state = S.AfterValue;
  }

  private close(): void {
    const frame = this.stack.pop()!;
    if (frame.numeric) {
      const n = this.scratchLength;
      this.scratchLength = 0;
      const numbers = this.scratch.subarray(0, n);
      this.addValue(n >= NUMERIC_ARRAY_MIN ? numbers.slice() : Array.from(numbers));
      return;
    }
    this.addValue(frame.array ?? frame.object);
  }

  /** The numbers gathered so far into the frame's plain array. */
  private unnumber(frame: Frame): void {
    frame.numeric = false;
    for (let k = 0; k < this.scratchLength; k++) frame.array!.push(this.scratch[k]);
    this.scratchLength = 0;
  }
}

function decodeUtf8(b: Uint8Array, at: number): string {
  let out = '';
  for (let i = 0; i < b.length;) {
    const c = b[i];
    let cp: number;
    let n: number;
    if (c < 0x80) [cp, n] = [c, 1];
    else if (c >= 0xc2 && c <= 0xdf) [cp, n] = [c & 0x1f, 2];
    else if (c >= 0xe0 && c <= 0xef) [cp, n] = [c & 0x0f, 3];
    else if (c >= 0xf0 && c <= 0xf4) [cp, n] = [c & 0x07, 4];
    else throw new JsonSyntaxError(`not valid UTF-8 near byte ${at}`);
    for (let k = 1; k < n; k++) {
      const x = b[i + k];
      if (x === undefined || (x & 0xc0) !== 0x80)
        throw new JsonSyntaxError(`not valid UTF-8 near byte ${at}`);
      cp = (cp << 6) | (x & 0x3f);
    }
    const min = [0, 0, 0x80, 0x800, 0x10000][n];
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      throw new JsonSyntaxError(`not valid UTF-8 near byte ${at}`);
    out += String.fromCodePoint(cp);
    i += n;
  }
  return out;
}

function malformed(at: number): never {
  throw new JsonSyntaxError(`a malformed number at byte ${at}`);
}

/**
 * The value of the JSON number in bytes [from, to) (grammar checked), exactly
 * as JSON.parse reads it. No closures here: this runs once per number.
 */
function numberValue(b: Uint8Array, from: number, to: number, at: number): number {
  let i = from;
  const negative = b[i] === 0x2d;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0; // significant digits kept in `mantissa`
  let exp10 = 0;
  let exact = true;
  let c = i < to ? b[i] : -1;
  if (c === 0x30) {
    i++;
    c = i < to ? b[i] : -1;
    if (c >= 0x30 && c <= 0x39) malformed(at); // a leading zero
  } else if (c >= 0x31 && c <= 0x39) {
    while (c >= 0x30 && c <= 0x39) {
      if (digits < 15) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
      } else exact = false;
      c = ++i < to ? b[i] : -1;
    }
  } else malformed(at);
  if (c === 0x2e) {
    c = ++i < to ? b[i] : -1;
    if (!(c >= 0x30 && c <= 0x39)) malformed(at);
    while (c >= 0x30 && c <= 0x39) {
      if (digits === 0 && c === 0x30) exp10--;
      else if (digits < 15) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        exp10--;
      } else exact = false;
      c = ++i < to ? b[i] : -1;
    }
  }
  if (c === 0x65 || c === 0x45) {
    c = ++i < to ? b[i] : -1;
    let sign = 1;
    if (c === 0x2b || c === 0x2d) {
      sign = c === 0x2d ? -1 : 1;
      c = ++i < to ? b[i] : -1;
    }
    if (!(c >= 0x30 && c <= 0x39)) malformed(at);
    let e = 0;
    while (c >= 0x30 && c <= 0x39) {
      e = Math.min(1e6, e * 10 + (c - 0x30));
      c = ++i < to ? b[i] : -1;
    }
    exp10 += sign * e;
  }
  if (i !== to) malformed(at);
  let v: number;
  // Exact operands and one IEEE operation: correctly rounded, as JSON.parse is.
  if (exact && mantissa === 0) v = 0;
  else if (exact && exp10 >= 0 && exp10 <= 22) v = mantissa * POW10[exp10];
  else if (exact && exp10 < 0 && exp10 >= -22) v = mantissa / POW10[-exp10];
  else return Number(String.fromCharCode(...b.subarray(from, to))); // the sign included
  return negative ? -v : v;
}

/** JSON.parse of UTF-8 bytes given in chunks. */
export function parseJsonChunks(chunks: Iterable<Uint8Array>): unknown {
  const p = new JsonStreamParser();
  for (const c of chunks) p.push(c);
  return p.end();
}
