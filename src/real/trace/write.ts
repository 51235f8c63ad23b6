import { halvesToFloat32 } from './float16';
import type { AnyTrace, AttentionRow, TraceVersion } from './types';

/**
 * float32 values print as their shortest decimal that reads back to the same
 * float32 (at most 9 significant digits), not as the float64 expansion
 * (0.1f would otherwise print as 0.10000000149011612). Found by bisection:
 * if d digits read back, so do d + 1.
 */
function compact(x: number): number {
  const f = Math.fround(x);
  if (Number.isInteger(f) && Math.abs(f) < 1e9) return f;
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Math.fround(Number(f.toPrecision(mid))) === f) hi = mid;
    else lo = mid + 1;
  }
  return Number(f.toPrecision(lo));
}

function rowValues(row: AttentionRow): Float32Array {
  return row instanceof Float32Array ? row : halvesToFloat32(row.bits);
}

function rowsJson(r: readonly AttentionRow[]): number[][] {
  return r.map((row) => Array.from(rowValues(row), compact));
}

let halfTexts: string[] | null = null;

/** A row's JSON text. A float16 row has only 65,536 possible values: their texts are made once. */
function rowText(row: AttentionRow): string {
  if (row instanceof Float32Array) return JSON.stringify(Array.from(row, compact));
  if (!halfTexts) {
    const values = halvesToFloat32(Uint16Array.from({ length: 65536 }, (_, h) => h));
    halfTexts = Array.from(values, (v) => JSON.stringify(compact(v)));
  }
  const t = halfTexts;
  const parts = new Array<string>(row.bits.length);
  for (let i = 0; i < parts.length; i++) parts[i] = t[row.bits[i]];
  return `[${parts.join(',')}]`;
}

function rowsText(r: readonly AttentionRow[]): string {
  return `[${r.map(rowText).join(',')}]`;
}

/** A version-2 field is present: the trace is written as version 2. */
export function usesVersion2(trace: AnyTrace): boolean {
  return (
    trace.views !== undefined ||
    trace.modelInfo !== undefined ||
    trace.prompting !== undefined ||
    trace.answer !== undefined ||
    trace.generation !== undefined ||
    trace.sizing !== undefined ||
    (trace.image !== undefined && typeof trace.image !== 'string')
  );
}

export function versionToWrite(trace: AnyTrace): TraceVersion {
  return usesVersion2(trace) ? 2 : trace.version;
}

const OPTIONAL_V1 = ['image', 'mask', 'label', 'answerProbability', 'settings', 'timings'] as const;
const OPTIONAL_V2 = ['views', 'modelInfo', 'prompting', 'answer', 'generation', 'sizing'] as const;

/** The fields before `generated`, in the spec's order. */
function headJson(trace: AnyTrace): Record<string, unknown> {
  return {
    format: trace.format,
    version: versionToWrite(trace),
    model: trace.model,
    grid: { rows: trace.grid.rows, cols: trace.grid.cols },
    imagePositions: [...trace.imagePositions],
    prompt: trace.prompt.map((t) => ({ position: t.position, text: t.text })),
  };
}

/** The optional fields, written after the rows. */
export function optionalJson(trace: AnyTrace): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of [...OPTIONAL_V1, ...OPTIONAL_V2]) if (trace[key] !== undefined) out[key] = trace[key];
  return out;
}

/** A generated token's JSON, with or without its rows. */
export function tokenJson(t: AnyTrace['generated'][number], withRows = true): Record<string, unknown> {
  return {
    position: t.position,
    text: t.text,
    special: t.special,
    ...(t.id !== undefined ? { id: t.id } : {}),
    ...(withRows ? { attention: rowsJson(t.attention) } : {}),
  };
}

/** Everything but the rows: a binary trace's header, before its `rows` layout is added. */
export function traceMetaJson(trace: AnyTrace): Record<string, unknown> {
  return {
    ...headJson(trace),
    generated: trace.generated.map((t) => tokenJson(t, false)),
    ...optionalJson(trace),
  };
}

/** The trace as the plain JSON object of the spec (version 2 when a version-2 field is present). */
export function traceToJson(trace: AnyTrace): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...headJson(trace),
    generated: trace.generated.map((t) => tokenJson(t)),
  };
  if (trace.promptAttention) out.promptAttention = rowsJson(trace.promptAttention);
  return { ...out, ...optionalJson(trace) };
}

/**
 * The JSON text in parts, one per generated token, so a large trace is
 * written (to a file, or a Blob from parts) without one string of the whole.
 * Joined, the parts are exactly `serializeTrace(trace)`.
 */
export function* traceJsonParts(trace: AnyTrace): Generator<string> {
  const head = JSON.stringify(headJson(trace));
  yield `${head.slice(0, -1)},"generated":[`;
  for (let i = 0; i < trace.generated.length; i++) {
    const t = trace.generated[i];
    yield `${i ? ',' : ''}${JSON.stringify(tokenJson(t, false)).slice(0, -1)},"attention":${rowsText(t.attention)}}`;
  }
  yield ']';
  if (trace.promptAttention) yield `,"promptAttention":${rowsText(trace.promptAttention)}`;
  const tail = JSON.stringify(optionalJson(trace));
  yield tail === '{}' ? '}' : `,${tail.slice(1)}`;
}

export function serializeTrace(trace: AnyTrace): string {
  return [...traceJsonParts(trace)].join('');
}
