import {
  TRACE_FORMAT,
  TRACE_VERSION,
  lastPromptPosition,
  type Trace,
  type TraceGeneratedToken,
  type TracePromptToken,
} from './trace';

/** A trace that breaks the format; `field` names where, as a JSON path. */
export class TraceFormatError extends Error {
  override name = 'TraceFormatError';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

type Json = unknown;

function fail(field: string, detail: string): never {
  throw new TraceFormatError(field, detail);
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function expectObject(v: Json, field: string): Record<string, Json> {
  if (!isObject(v)) fail(field, 'expected an object');
  return v;
}

function expectArray(v: Json, field: string): Json[] {
  if (!Array.isArray(v)) fail(field, 'expected an array');
  return v;
}

function expectString(v: Json, field: string): string {
  if (typeof v !== 'string') fail(field, 'expected a string');
  return v;
}

function expectIndex(v: Json, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    fail(field, 'expected a whole number ≥ 0');
  }
  return v;
}

function expectPositive(v: Json, field: string): number {
  const n = expectIndex(v, field);
  if (n === 0) fail(field, 'expected a whole number ≥ 1');
  return n;
}

/** Attention rows: one per layer, each of `length` finite numbers ≥ 0. */
function readRows(v: Json, field: string, length: number, layers: number | null): Float32Array[] {
  const rows = expectArray(v, field);
  if (rows.length === 0) fail(field, 'expected at least one layer');
  if (layers !== null && rows.length !== layers) {
    fail(field, `expected ${layers} layers like the other tokens, got ${rows.length}`);
  }
  return rows.map((row, l) => {
    const f = `${field}[${l}]`;
    const values = expectArray(row, f);
    if (values.length !== length) fail(f, `expected ${length} values, got ${values.length}`);
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) {
      const x = values[i];
      if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
        fail(`${f}[${i}]`, 'expected a finite number ≥ 0');
      }
      out[i] = x;
    }
    return out;
  });
}

function readPrompt(v: Json): TracePromptToken[] {
  return expectArray(v, 'prompt').map((t, i) => {
    const o = expectObject(t, `prompt[${i}]`);
    return {
      position: expectIndex(o.position, `prompt[${i}].position`),
      text: expectString(o.text, `prompt[${i}].text`),
    };
  });
}

function readGenerated(v: Json): TraceGeneratedToken[] {
  let layers: number | null = null;
  return expectArray(v, 'generated').map((t, i) => {
    const f = `generated[${i}]`;
    const o = expectObject(t, f);
    const position = expectIndex(o.position, `${f}.position`);
    if (typeof o.special !== 'boolean') fail(`${f}.special`, 'expected true or false');
    const attention = readRows(o.attention, `${f}.attention`, position + 1, layers);
    layers = attention.length;
    const token: TraceGeneratedToken = {
      position,
      text: expectString(o.text, `${f}.text`),
      special: o.special,
      attention,
    };
    if (o.id !== undefined) token.id = expectIndex(o.id, `${f}.id`);
    return token;
  });
}

function checkPositions(trace: Trace): void {
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

function readOptional(o: Record<string, Json>, trace: Trace): void {
  if (o.image !== undefined) trace.image = expectString(o.image, 'image');
  if (o.mask !== undefined) trace.mask = expectString(o.mask, 'mask');
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
  if (o.settings !== undefined) trace.settings = expectObject(o.settings, 'settings');
  if (o.timings !== undefined) trace.timings = expectObject(o.timings, 'timings');
}

/** Validates parsed JSON as a version-1 trace. Unknown extra fields are kept out, not rejected. */
export function readTrace(json: Json): Trace {
  const o = expectObject(json, '(trace)');
  if (o.format !== TRACE_FORMAT) fail('format', `expected "${TRACE_FORMAT}"`);
  if (o.version !== TRACE_VERSION) {
    fail(
      'version',
      `unknown version ${JSON.stringify(o.version)}; this reader knows version ${TRACE_VERSION}`,
    );
  }
  const grid = expectObject(o.grid, 'grid');
  const rows = expectPositive(grid.rows, 'grid.rows');
  const cols = expectPositive(grid.cols, 'grid.cols');
  const imagePositions = expectArray(o.imagePositions, 'imagePositions').map((p, i) =>
    expectIndex(p, `imagePositions[${i}]`),
  );
  if (imagePositions.length !== rows * cols) {
    fail('imagePositions', `expected rows×cols = ${rows * cols} positions, got ${imagePositions.length}`);
  }
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    model: expectString(o.model, 'model'),
    grid: { rows, cols },
    imagePositions,
    prompt: readPrompt(o.prompt),
    generated: readGenerated(o.generated),
  };
  checkPositions(trace);
  if (o.promptAttention !== undefined) {
    const layers = trace.generated[0]?.attention.length ?? null;
    trace.promptAttention = readRows(
      o.promptAttention,
      'promptAttention',
      lastPromptPosition(trace) + 1,
      layers,
    );
  }
  readOptional(o, trace);
  return trace;
}

/** Parses trace text (JSON). A binary form may be added beside it later. */
export function parseTrace(text: string): Trace {
  let json: Json;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new TraceFormatError('(file)', `not JSON (${(e as Error).message})`);
  }
  return readTrace(json);
}
