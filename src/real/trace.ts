/**
 * The ReAL trace, version 1 (shared/spec/trace-format.md): one run, saved,
 * with everything needed to redraw it without the model.
 *
 * In memory, attention rows are Float32Arrays: a Qwen2-VL-sized run (28
 * layers, 600 tokens, rows of ~1000 positions) would take several times more
 * as JS number arrays.
 */

export const TRACE_FORMAT = 'real-trace';
export const TRACE_VERSION = 1;

export interface TracePromptToken {
  position: number;
  text: string;
}

export interface TraceGeneratedToken {
  position: number;
  text: string;
  special: boolean;
  /** Optional vocabulary id (writers may add it). */
  id?: number;
  /** attention[l] has position + 1 values: the head-averaged row of layer l. */
  attention: Float32Array[];
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: typeof TRACE_VERSION;
  model: string;
  grid: { rows: number; cols: number };
  imagePositions: number[];
  prompt: TracePromptToken[];
  generated: TraceGeneratedToken[];
  /** Per-layer rows of the last prompt position (the first token's producing row). */
  promptAttention?: Float32Array[];
  image?: string;
  mask?: string;
  label?: 0 | 1;
  answerProbability?: number;
  settings?: Record<string, unknown>;
  timings?: Record<string, unknown>;
}

export function layerCount(trace: Trace): number {
  return trace.generated[0]?.attention.length ?? trace.promptAttention?.length ?? 0;
}

/** The last sequence position before generation (image or prompt). */
export function lastPromptPosition(trace: Pick<Trace, 'imagePositions' | 'prompt'>): number {
  let last = -1;
  for (const p of trace.imagePositions) last = Math.max(last, p);
  for (const t of trace.prompt) last = Math.max(last, t.position);
  return last;
}
