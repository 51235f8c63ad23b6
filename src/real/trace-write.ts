import type { Trace } from './trace';

/**
 * float32 values print as their shortest decimal that reads back to the same
 * float32 (at most 9 significant digits), not as the float64 expansion
 * (0.1f would otherwise print as 0.10000000149011612).
 */
function compact(x: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(x.toPrecision(digits));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}

function rows(r: Float32Array[]): number[][] {
  return r.map((row) => Array.from(row, compact));
}

/** The trace as the plain JSON object of the spec (version 1). */
export function traceToJson(trace: Trace): Record<string, unknown> {
  const out: Record<string, unknown> = {
    format: trace.format,
    version: trace.version,
    model: trace.model,
    grid: { rows: trace.grid.rows, cols: trace.grid.cols },
    imagePositions: [...trace.imagePositions],
    prompt: trace.prompt.map((t) => ({ position: t.position, text: t.text })),
    generated: trace.generated.map((t) => ({
      position: t.position,
      text: t.text,
      special: t.special,
      ...(t.id !== undefined ? { id: t.id } : {}),
      attention: rows(t.attention),
    })),
  };
  if (trace.promptAttention) out.promptAttention = rows(trace.promptAttention);
  for (const key of ['image', 'mask', 'label', 'answerProbability', 'settings', 'timings'] as const) {
    if (trace[key] !== undefined) out[key] = trace[key];
  }
  return out;
}

export function serializeTrace(trace: Trace): string {
  return JSON.stringify(traceToJson(trace));
}
