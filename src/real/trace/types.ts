import type { Float16Row } from './float16';

/**
 * The ReAL trace, versions 1 and 2 (shared/spec/trace-format.md): one run,
 * saved, with everything needed to redraw it without the model.
 *
 * In memory, attention rows are typed arrays, never arrays of JS numbers:
 * Float32Array, or, for a trace read from a float16 binary file, the float16
 * bits themselves (Float16Row), decoded as they are read. A Qwen2.5-VL-3B run
 * (36 layers, 600 tokens, rows of ~1,700 positions) holds 73 MB of float16
 * rows; as float32 it would be 147 MB, and as JS number arrays several times
 * more.
 */

export const TRACE_FORMAT = 'real-trace';
/** The newest version this code reads and writes; version 1 is read unchanged. */
export const TRACE_VERSION = 2;
export type TraceVersion = 1 | 2;

/** One layer's head-averaged row: float32 values, or float16 bits. */
export type AttentionRow = Float32Array | Float16Row;

export interface TracePromptToken {
  position: number;
  text: string;
}

export interface TraceGeneratedToken<R extends AttentionRow = Float32Array> {
  position: number;
  text: string;
  special: boolean;
  /** Optional vocabulary id (writers may add it). */
  id?: number;
  /** attention[l] has position + 1 values: the head-averaged row of layer l. */
  attention: R[];
}

/** `box` is [x0, y0, x1, y1] in the pixels of the original image. */
export type Box = [number, number, number, number];

/** Version 2: another grid a user can switch to (a tile, a tiled model's global image). */
export interface TraceView {
  name: string;
  rows: number;
  cols: number;
  /** Sequence positions of the view's cells, row-major. */
  positions: number[];
  box?: Box;
}

/** Version 2: the image with its original size (the map is resized to it). */
export interface TraceImage {
  width: number;
  height: number;
  dataUrl: string;
  /** The default view's region; the whole image when absent. */
  box?: Box;
}

/** Version 2: which model made the run. */
export interface TraceModelInfo {
  name?: string;
  family?: string;
  /** A repo id or URL. */
  source?: string;
  dtype?: string;
  /** attentionLayers[l] is the decoder layer that attention[l] rows come from. */
  attentionLayers?: number[];
}

/** Version 2: the prompting used (real-method.md, last section). */
export interface TracePrompting {
  system?: string;
  tier?: 1 | 2 | 3;
}

/**
 * Version 2: how the tokens were chosen, as used: the model's
 * generation_config.json unless the user changed it, so a run can be
 * replayed. With `greedy` the sampling fields are the settings a sampled run
 * would use, not applied; the repetition penalty applies either way.
 */
export interface TraceGeneration {
  greedy: boolean;
  /** 1 is none. */
  repetitionPenalty: number;
  temperature: number;
  /** 0 keeps every token. */
  topK: number;
  /** 1 keeps every token. */
  topP: number;
  seed: number;
  maxTokens: number;
}

/** Version 2: how a real model's image was sized before its processor, and the size the model saw. */
export interface TraceSizing {
  mode: 'paper' | 'native' | 'square';
  size: [number, number];
  /** True when native sizing was reduced to fit memory. */
  capped: boolean;
}

export interface Trace<R extends AttentionRow = Float32Array> {
  format: typeof TRACE_FORMAT;
  version: TraceVersion;
  model: string;
  /** The default view: the grid ReAL scores unless told otherwise. */
  grid: { rows: number; cols: number };
  imagePositions: number[];
  prompt: TracePromptToken[];
  generated: TraceGeneratedToken<R>[];
  /** Per-layer rows of the last prompt position (the first token's producing row). */
  promptAttention?: R[];
  /** A data URL (version 1), or the image with its size (version 2). */
  image?: string | TraceImage;
  mask?: string;
  label?: 0 | 1;
  answerProbability?: number;
  settings?: Record<string, unknown>;
  timings?: Record<string, unknown>;
  views?: TraceView[];
  modelInfo?: TraceModelInfo;
  prompting?: TracePrompting;
  answer?: 'yes' | 'no' | null;
  generation?: TraceGeneration;
  sizing?: TraceSizing;
}

/** A trace whose rows may be float32 or float16 (what the readers of both forms return). */
export type AnyTrace = Trace<AttentionRow>;

export function layerCount(trace: AnyTrace): number {
  return trace.generated[0]?.attention.length ?? trace.promptAttention?.length ?? 0;
}

/** The last sequence position before generation (image or prompt). */
export function lastPromptPosition(trace: Pick<AnyTrace, 'imagePositions' | 'prompt'>): number {
  let last = -1;
  for (const p of trace.imagePositions) last = Math.max(last, p);
  for (const t of trace.prompt) last = Math.max(last, t.position);
  return last;
}

/** The image as a URL to draw, whichever form the trace holds it in. */
export function traceImageUrl(trace: Pick<AnyTrace, 'image'>): string | undefined {
  return typeof trace.image === 'string' ? trace.image : trace.image?.dataUrl;
}
