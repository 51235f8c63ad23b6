import {
  TRACE_FORMAT,
  lastPromptPosition,
  type AnyTrace,
  type Box,
  type Trace,
  type TraceGeneratedToken,
  type TraceGeneration,
  type TraceImage,
  type TraceModelInfo,
  type TracePromptToken,
  type TracePrompting,
  type TraceSizing,
  type TraceVersion,
  type TraceView,
} from './types';
import { JsonSyntaxError, JsonStreamParser } from './json-stream';
import { TRACE_LIMITS } from './limits';

/**
 * Reading a trace (trace-format.md, versions 1 and 2) from parsed JSON, for
 * input from strangers: every field is checked, every number finite and in
 * range, limits (grid cells, layers, positions) before the work they bound,
 * and an error names the exact field, as a JSON path.
 *
 * The reading is in two halves that the binary container shares:
 * `readTraceMeta` reads everything but the rows; `readTrace` adds the rows
 * from JSON, the binary reader (binary.ts) from its blocks.
 */

/**
 * A trace that breaks the format; `field` names where, as a JSON path
 * (`(file)` for the file as a whole). `source`, where the reader knows it,
 * names the file: the message then starts with it, and a whole-file problem
 * is said of the file itself rather than of "(file)".
 */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly field: string,
    readonly detail: string,
    readonly source?: string,
  ) {
    super(
      source === undefined
        ? `${field}: ${detail}`
        : field === '(file)'
          ? `${source}: ${detail}`
          : `${source}: ${field}: ${detail}`,
    );
  }

  /** The same error, said of the file `source`. */
  in(source: string): TraceFormatError {
    return new TraceFormatError(this.field, this.detail, source);
  }
}

type Json = unknown;

export function fail(field: string, detail: string): never {
  throw new TraceFormatError(field, detail);
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);
}

function expectObject(v: Json, field: string): Record<string, Json> {
  if (!isObject(v)) fail(field, 'expected an object');
  return v;
}

/**
 * An array with no holes; the streaming parser gives long arrays of numbers
 * as Float64Arrays, read as arrays here. JSON text has no holes, but an
 * object handed over in memory (a structured clone keeps sparse arrays) can,
 * and `map`/`forEach` would skip them: a hole is refused by its index.
 */
function expectArray(v: Json, field: string): Json[] {
  if (v instanceof Float64Array) return Array.from(v);
  if (!Array.isArray(v)) fail(field, 'expected an array');
  for (let i = 0; i < v.length; i++) if (!(i in v)) fail(`${field}[${i}]`, 'missing (a hole in the array)');
  return v;
}

function expectString(v: Json, field: string): string {
  if (typeof v !== 'string') fail(field, 'expected a string');
  return v;
}

function expectWhole(v: Json, field: string, min: number, max: number, what = ''): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    fail(field, `expected a whole number ≥ ${min}`);
  }
  if (v > max) fail(field, `${v} is past ${what || 'the largest value this reader accepts'} (${max})`);
  return v;
}

/** A sequence position: a whole number below the positions limit. */
function expectPosition(v: Json, field: string): number {
  return expectWhole(v, field, 0, TRACE_LIMITS.positions - 1, 'the limit on sequence positions');
}

function expectFinite(v: Json, field: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    fail(field, min === -Infinity ? 'expected a finite number' : `expected a finite number ≥ ${min}`);
  }
  return v;
}

/** The largest float32; values above it would be stored as Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** An attention value: finite, ≥ 0, and within float32's range (it is stored as float32). */
export function checkAttentionValue(x: Json, field: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) fail(field, 'expected a finite number ≥ 0');
  if (!Number.isFinite(Math.fround(x))) fail(field, `${x} is past float32's range (at most ${FLOAT32_MAX})`);
  return x;
}

/** Settings and timings: any JSON, but no non-finite number (1e999 parses as Infinity) and bounded nesting. */
function expectPlainObject(v: Json, field: string): Record<string, unknown> {
  const o = expectObject(v, field);
  const walk = (x: Json, f: string, depth: number): Json => {
    if (depth > 64) fail(f, 'nested deeper than 64 levels');
    if (typeof x === 'number' && !Number.isFinite(x)) fail(f, 'expected a finite number');
    if (x instanceof Float64Array) x = Array.from(x); // from the streaming parser: kept as JSON
    if (Array.isArray(x)) x.forEach((y, i) => ((x as Json[])[i] = walk(y, `${f}[${i}]`, depth + 1)));
    else if (isObject(x)) for (const [k, y] of Object.entries(x)) x[k] = walk(y, `${f}.${k}`, depth + 1);
    return x;
  };
  walk(o, field, 0);
  return o;
}

function readGrid(v: Json, field: string): { rows: number; cols: number } {
  const g = expectObject(v, field);
  const rows = expectWhole(g.rows, `${field}.rows`, 1, TRACE_LIMITS.gridCells);
  const cols = expectWhole(g.cols, `${field}.cols`, 1, TRACE_LIMITS.gridCells);
  if (rows * cols > TRACE_LIMITS.gridCells) {
    fail(field, `${rows} × ${cols} = ${rows * cols} cells, past the limit of ${TRACE_LIMITS.gridCells}`);
  }
  return { rows, cols };
}

/** A grid's positions: rows × cols of them, checked for count before each is read. */
function readCellPositions(v: Json, field: string, cells: number): number[] {
  const list = expectArray(v, field);
  if (list.length !== cells) fail(field, `expected rows×cols = ${cells} positions, got ${list.length}`);
  return list.map((p, i) => expectPosition(p, `${field}[${i}]`));
}

function readBox(v: Json, field: string): Box {
  const b = expectArray(v, field);
  if (b.length !== 4) fail(field, `expected [x0, y0, x1, y1], got ${b.length} numbers`);
  const [x0, y0, x1, y1] = b.map((x, i) => expectFinite(x, `${field}[${i}]`, 0));
  if (!(x1 > x0)) fail(`${field}[2]`, `expected x1 > x0 (${x0})`);
  if (!(y1 > y0)) fail(`${field}[3]`, `expected y1 > y0 (${y0})`);
  return [x0, y0, x1, y1];
}

function readPrompt(v: Json): TracePromptToken[] {
  return expectArray(v, 'prompt').map((t, i) => {
    const o = expectObject(t, `prompt[${i}]`);
    return {
      position: expectPosition(o.position, `prompt[${i}].position`),
      text: expectString(o.text, `prompt[${i}].text`),
    };
  });
}

/** A generated token without its rows (they are added by the JSON or the binary reader). */
function readGeneratedMeta(v: Json): TraceGeneratedToken<never>[] {
  return expectArray(v, 'generated').map((t, i) => {
    const f = `generated[${i}]`;
    const o = expectObject(t, f);
    const position = expectPosition(o.position, `${f}.position`);
    const text = expectString(o.text, `${f}.text`);
    if (typeof o.special !== 'boolean') fail(`${f}.special`, 'expected true or false');
    const token: TraceGeneratedToken<never> = { position, text, special: o.special, attention: [] };
    if (o.id !== undefined) token.id = expectWhole(o.id, `${f}.id`, 0, 2 ** 31 - 1);
    return token;
  });
}

function checkPositions(trace: AnyTrace): void {
  const seen = new Map<number, string>();
  const claim = (p: number, field: string) => {
    const other = seen.get(p);
    if (other !== undefined) fail(field, `position ${p} is also used by ${other}`);
    seen.set(p, field);
  };
  trace.imagePositions.forEach((p, i) => claim(p, `imagePositions[${i}]`));
  trace.prompt.forEach((t, i) => claim(t.position, `prompt[${i}].position`));
  const last = lastPromptPosition(trace);
  let previous = last;
  trace.generated.forEach((t, i) => {
    const field = `generated[${i}].position`;
    claim(t.position, field);
    if (t.position <= previous) {
      fail(field, `expected a position after ${previous} (generated tokens follow the prompt, in order)`);
    }
    previous = t.position;
  });
}

/**
 * An image or a mask: a `data:` URL and nothing else (trace-format.md), so
 * that opening a trace never makes a reader fetch anything, from any origin.
 */
function expectDataUrl(v: Json, field: string): string {
  const s = expectString(v, field);
  if (!/^data:/i.test(s)) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(s)?.[1];
    fail(
      field,
      `expected a data: URL${scheme ? `, not a ${scheme}: URL (a trace never points elsewhere)` : ''}`,
    );
  }
  return s;
}

function readImage(v: Json, version: TraceVersion): string | TraceImage {
  if (typeof v === 'string') return expectDataUrl(v, 'image');
  if (version === 1) fail('image', 'expected a string (a data URL)');
  if (!isObject(v)) fail('image', 'expected a data URL or an object { width, height, dataUrl }');
  const width = expectWhole(v.width, 'image.width', 1, TRACE_LIMITS.imagePixels);
  const height = expectWhole(v.height, 'image.height', 1, TRACE_LIMITS.imagePixels);
  if (width * height > TRACE_LIMITS.imagePixels) {
    fail('image', `${width} × ${height} pixels, past the limit of ${TRACE_LIMITS.imagePixels}`);
  }
  const image: TraceImage = { width, height, dataUrl: expectDataUrl(v.dataUrl, 'image.dataUrl') };
  if (v.box !== undefined) image.box = checkBoxInImage(readBox(v.box, 'image.box'), 'image.box', image);
  return image;
}

function checkBoxInImage(box: Box, field: string, image: TraceImage | undefined): Box {
  if (image && box[2] > image.width) fail(`${field}[2]`, `past the image's width (${image.width})`);
  if (image && box[3] > image.height) fail(`${field}[3]`, `past the image's height (${image.height})`);
  return box;
}

function readViews(v: Json, trace: AnyTrace): TraceView[] {
  const list = expectArray(v, 'views');
  if (list.length > TRACE_LIMITS.views) {
    fail('views', `${list.length} views, past the limit of ${TRACE_LIMITS.views}`);
  }
  const last = lastPromptPosition(trace);
  const image = typeof trace.image === 'object' ? trace.image : undefined;
  const names = new Set<string>();
  return list.map((x, i) => {
    const f = `views[${i}]`;
    const o = expectObject(x, f);
    const name = expectString(o.name, `${f}.name`);
    if (name === '') fail(`${f}.name`, 'expected a name');
    if (names.has(name)) fail(`${f}.name`, `"${name}" names an earlier view too`);
    names.add(name);
    const { rows, cols } = readGrid({ rows: o.rows, cols: o.cols }, f);
    const positions = readCellPositions(o.positions, `${f}.positions`, rows * cols);
    const own = new Set<number>();
    positions.forEach((p, k) => {
      if (p > last) fail(`${f}.positions[${k}]`, `position ${p} is after the prompt (${last})`);
      if (own.has(p)) fail(`${f}.positions[${k}]`, `position ${p} is in this view twice`);
      own.add(p);
    });
    const view: TraceView = { name, rows, cols, positions };
    if (o.box !== undefined) view.box = checkBoxInImage(readBox(o.box, `${f}.box`), `${f}.box`, image);
    return view;
  });
}

function readModelInfo(v: Json): TraceModelInfo {
  const o = expectObject(v, 'modelInfo');
  const info: TraceModelInfo = {};
  for (const key of ['name', 'family', 'source', 'dtype'] as const) {
    if (o[key] !== undefined) info[key] = expectString(o[key], `modelInfo.${key}`);
  }
  if (o.attentionLayers !== undefined) {
    const layers = expectArray(o.attentionLayers, 'modelInfo.attentionLayers');
    if (layers.length > TRACE_LIMITS.layers) {
      fail('modelInfo.attentionLayers', `${layers.length} layers, past the limit of ${TRACE_LIMITS.layers}`);
    }
    let previous = -1;
    info.attentionLayers = layers.map((x, i) => {
      const f = `modelInfo.attentionLayers[${i}]`;
      const l = expectWhole(x, f, 0, 65535);
      if (l <= previous) fail(f, `expected a decoder layer after ${previous} (ascending)`);
      previous = l;
      return l;
    });
  }
  return info;
}

function readPrompting(v: Json): TracePrompting {
  const o = expectObject(v, 'prompting');
  const out: TracePrompting = {};
  if (o.system !== undefined) out.system = expectString(o.system, 'prompting.system');
  if (o.tier !== undefined) {
    if (o.tier !== 1 && o.tier !== 2 && o.tier !== 3) fail('prompting.tier', 'expected 1, 2 or 3');
    out.tier = o.tier;
  }
  return out;
}

/** Version 2's `generation`: every setting present, each in its range. */
function readGeneration(v: Json): TraceGeneration {
  const o = expectObject(v, 'generation');
  if (typeof o.greedy !== 'boolean') fail('generation.greedy', 'expected true or false');
  const positive = (key: string) => {
    const x = expectFinite(o[key], `generation.${key}`, 0);
    if (x === 0) fail(`generation.${key}`, 'expected a number above 0');
    return x;
  };
  const topP = expectFinite(o.topP, 'generation.topP', 0);
  if (topP > 1) fail('generation.topP', 'expected a number from 0 to 1');
  return {
    greedy: o.greedy,
    repetitionPenalty: positive('repetitionPenalty'),
    temperature: expectFinite(o.temperature, 'generation.temperature', 0),
    topK: expectWhole(o.topK, 'generation.topK', 0, Number.MAX_SAFE_INTEGER),
    topP,
    seed: expectWhole(o.seed, 'generation.seed', 0, Number.MAX_SAFE_INTEGER),
    maxTokens: expectWhole(o.maxTokens, 'generation.maxTokens', 1, Number.MAX_SAFE_INTEGER),
  };
}

function readSizing(v: Json): TraceSizing {
  const o = expectObject(v, 'sizing');
  if (o.mode !== 'paper' && o.mode !== 'native' && o.mode !== 'square')
    fail('sizing.mode', 'expected "paper", "native" or "square"');
  const size = expectArray(o.size, 'sizing.size');
  if (size.length !== 2) fail('sizing.size', 'expected [width, height]');
  if (typeof o.capped !== 'boolean') fail('sizing.capped', 'expected true or false');
  return {
    mode: o.mode,
    size: [
      expectWhole(size[0], 'sizing.size[0]', 1, 1_000_000),
      expectWhole(size[1], 'sizing.size[1]', 1, 1_000_000),
    ],
    capped: o.capped,
  };
}

function readOptional(o: Record<string, Json>, trace: AnyTrace): void {
  if (o.image !== undefined) trace.image = readImage(o.image, trace.version);
  if (o.mask !== undefined) trace.mask = expectDataUrl(o.mask, 'mask');
  if (o.label !== undefined) {
    if (o.label !== 0 && o.label !== 1) fail('label', 'expected 0 (normal) or 1 (anomalous)');
    trace.label = o.label;
  }
  if (o.answerProbability !== undefined) {
    const p = o.answerProbability;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      fail('answerProbability', 'expected a number in [0, 1]');
    trace.answerProbability = p;
  }
  if (o.settings !== undefined) trace.settings = expectPlainObject(o.settings, 'settings');
  if (o.timings !== undefined) trace.timings = expectPlainObject(o.timings, 'timings');
  // A version-1 trace keeps its extra fields out, whatever their names.
  if (trace.version === 1) return;
  if (o.views !== undefined) trace.views = readViews(o.views, trace);
  if (o.modelInfo !== undefined) trace.modelInfo = readModelInfo(o.modelInfo);
  if (o.prompting !== undefined) trace.prompting = readPrompting(o.prompting);
  if (o.sizing !== undefined) trace.sizing = readSizing(o.sizing);
  if (o.answer !== undefined) {
    if (o.answer !== 'yes' && o.answer !== 'no' && o.answer !== null)
      fail('answer', 'expected "yes", "no" or null');
    trace.answer = o.answer;
  }
  if (o.generation !== undefined) trace.generation = readGeneration(o.generation);
}

/**
 * Everything but the rows, validated: each generated token's `attention` is
 * left empty, and `promptAttention` unset, for the caller to fill. The
 * number of layers is checked against `modelInfo.attentionLayers` by
 * `checkAttentionLayers` once the rows are known.
 */
export function readTraceMeta(json: Json): Trace<never> {
  const o = expectObject(json, '(trace)');
  if (o.format !== TRACE_FORMAT) fail('format', `expected "${TRACE_FORMAT}"`);
  if (o.version !== 1 && o.version !== 2) {
    fail('version', `unknown version ${JSON.stringify(o.version)}; this reader knows versions 1 and 2`);
  }
  const version: TraceVersion = o.version;
  const grid = readGrid(o.grid, 'grid');
  const trace: Trace<never> = {
    format: TRACE_FORMAT,
    version,
    model: expectString(o.model, 'model'),
    grid,
    imagePositions: readCellPositions(o.imagePositions, 'imagePositions', grid.rows * grid.cols),
    prompt: readPrompt(o.prompt),
    generated: readGeneratedMeta(o.generated),
  };
  checkPositions(trace);
  readOptional(o, trace);
  return trace;
}

/**
 * How many layers every token's rows must have: the count most tokens have
 * (so a token that lost a layer is the one named, even the first).
 */
export function expectedLayers(counts: readonly number[]): number {
  const tally = new Map<number, number>();
  let best = counts[0] ?? 0;
  for (const c of counts) {
    const n = (tally.get(c) ?? 0) + 1;
    tally.set(c, n);
    if (n > tally.get(best)!) best = c;
  }
  return best;
}

/** One token's layer count against the expected one, and the limit. */
export function checkLayerCount(field: string, layers: number, expected: number): void {
  if (layers > TRACE_LIMITS.layers) fail(field, `${layers} layers, past the limit of ${TRACE_LIMITS.layers}`);
  if (layers !== expected) fail(field, `expected ${expected} layers like the other tokens, got ${layers}`);
  if (layers === 0) fail(field, 'expected at least one layer');
}

/** `modelInfo.attentionLayers` names one decoder layer per row. */
export function checkAttentionLayers(trace: Pick<AnyTrace, 'modelInfo'>, layers: number): void {
  const named = trace.modelInfo?.attentionLayers;
  if (named && named.length !== layers) {
    fail('modelInfo.attentionLayers', `names ${named.length} decoder layers, but the rows have ${layers}`);
  }
}

function isFloatArray(v: Json): v is Float64Array | Float32Array {
  return v instanceof Float64Array || v instanceof Float32Array;
}

/** Attention rows from JSON: one per layer, each of `length` finite numbers ≥ 0 within float32's range. */
function readRows(rows: Json[], field: string, length: number): Float32Array[] {
  return rows.map((row, l) => {
    const f = `${field}[${l}]`;
    // A Float64Array from the streaming parser (or a typed row of a trace in memory) is read in place;
    // a hole in a plain row reads as undefined, which the value check below refuses by its index.
    if (!isFloatArray(row) && !Array.isArray(row)) fail(f, 'expected an array');
    const values: ArrayLike<Json> = row;
    if (values.length !== length) fail(f, `expected ${length} values, got ${values.length}`);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const x = values[i];
      // The fast test first: a finite number in float32's range (NaN fails every comparison).
      if (typeof x === 'number' && x >= 0 && x <= FLOAT32_MAX) out[i] = x;
      else out[i] = checkAttentionValue(x, `${f}[${i}]`);
    }
    return out;
  });
}

/**
 * Validates parsed JSON, or a trace object in memory, as a trace, version 1
 * or 2, by the same rules. Unknown extra fields are kept out, not rejected.
 */
export function readTrace(json: Json): Trace {
  const meta = readTraceMeta(json);
  const o = json as Record<string, Json>;
  const trace = meta as unknown as Trace;
  // Every token's layer count is checked before any row is read.
  const blocks: { field: string; rows: Json[]; length: number; set: (r: Float32Array[]) => void }[] = [];
  (o.generated as Json[]).forEach((t, i) => {
    const field = `generated[${i}].attention`;
    const token = trace.generated[i];
    blocks.push({
      field,
      rows: expectArray((t as Record<string, Json>).attention, field),
      length: token.position + 1,
      set: (r) => (token.attention = r),
    });
  });
  if (o.promptAttention !== undefined) {
    blocks.push({
      field: 'promptAttention',
      rows: expectArray(o.promptAttention, 'promptAttention'),
      length: lastPromptPosition(trace) + 1,
      set: (r) => (trace.promptAttention = r),
    });
  }
  const layers = expectedLayers(blocks.map((b) => b.rows.length));
  for (const b of blocks) checkLayerCount(b.field, b.rows.length, layers);
  if (blocks.length) checkAttentionLayers(trace, layers);
  for (const b of blocks) b.set(readRows(b.rows, b.field, b.length));
  return trace;
}

/** Parses trace text (JSON; a leading byte-order mark is allowed). The binary form is in binary.ts. */
export function parseTrace(text: string): Trace {
  let json: Json;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    throw new TraceFormatError('(file)', `not JSON (${(e as Error).message})`);
  }
  return readTrace(json);
}

/**
 * Trace JSON read from UTF-8 chunks as they come (a file stream), without a
 * string of the whole text (json-stream.ts): for JSON traces past what one
 * string can hold. Accepts what parseTrace accepts, byte-order mark included.
 */
export class TraceJsonReader {
  private parser = new JsonStreamParser({ numericArrays: true });
  push(chunk: Uint8Array): void {
    try {
      this.parser.push(chunk);
    } catch (e) {
      throw syntax(e);
    }
  }
  end(): Trace {
    let json: Json;
    try {
      json = this.parser.end();
    } catch (e) {
      throw syntax(e);
    }
    return readTrace(json);
  }
}

function syntax(e: unknown): unknown {
  return e instanceof JsonSyntaxError ? new TraceFormatError('(file)', `not JSON (${e.message})`) : e;
}

/** parseTrace for UTF-8 chunks (TraceJsonReader over an iterable). */
export function parseTraceChunks(chunks: Iterable<Uint8Array>): Trace {
  const reader = new TraceJsonReader();
  for (const c of chunks) reader.push(c);
  return reader.end();
}
