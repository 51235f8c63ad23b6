import type { Answer, TraceGeneration, TracePromptToken } from '../../real';
import type { SizingUsed } from '../adapters/image-sizing';
import type { ViewSpec } from '../adapters/types';
import type { Backend } from '../runtime/ort-types';

/**
 * What a run streams, in order: one `start`, a `token` for every generated
 * token once its own attention row is known (one decoder step after it was
 * chosen), and one `end`. Attention rows are Float32Arrays so the worker can
 * transfer them rather than copy.
 */
export interface RunStart {
  type: 'start';
  model: string;
  backend: Backend;
  grid: { rows: number; cols: number };
  imagePositions: number[];
  /** Other views of the image (a tiled model's global image and tiles). */
  views?: ViewSpec[];
  prompting?: { system: string | null; tier: 1 | 2 | 3 | null };
  /** How the tokens are chosen, as used (the seed included, so the run can be replayed). */
  generation: TraceGeneration;
  /** How a real model's image was sized and the size the model saw. */
  sizing?: SizingUsed;
  /** attention[l] rows come from decoder layer attentionLayers[l]. */
  attentionLayers: number[];
  prompt: TracePromptToken[];
  /** Per-layer rows of the last prompt position: the first token's producing row. */
  promptAttention: Float32Array[];
}

export interface RunToken {
  type: 'token';
  index: number;
  id: number;
  text: string;
  position: number;
  special: boolean;
  /** Per-layer rows whose query is this token (position + 1 values each). */
  attention: Float32Array[];
}

export type StopReason = 'stop-token' | 'max-tokens' | 'cancelled';

export interface RunEnd {
  type: 'end';
  stopReason: StopReason;
  /** The answer word as real-method.md reads it; null when there is none (unknown). */
  answer: Answer;
  /** P(yes) where the answer word was produced (real-method.md); absent when the answer is unknown. */
  answerProbability?: number;
  timings: RunTimings;
}

export interface RunTimings {
  preprocessMs: number;
  visionMs: number;
  prefillMs: number;
  /** Wall time of each decode step after the prefill (the extra step included). */
  stepMs: number[];
  /** Of which inside session.run (embedding + decoder). */
  stepRunMs: number[];
  totalMs: number;
}

export type RunEvent = RunStart | RunToken | RunEnd;
