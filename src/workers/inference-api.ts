/**
 * The worker's API as the UI sees it (through comlink). Types only cross
 * this line: the UI imports this file with `import type`.
 */
import type { RunEvent, StopReason } from './engine/events';
import type { SamplingOptions } from './engine/sampling';
import type { LoadProgress } from './package/load';
import type { Backend } from './runtime/ort-types';

export type ModelSource =
  /** A package folder over HTTP(S): the app's own /models/…, or any URL (kept in Cache Storage). */
  | { kind: 'url'; url: string }
  /** Files the user picked or dropped. */
  | { kind: 'files'; files: File[] };

export type ImageInput =
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'rgba'; width: number; height: number; data: Uint8ClampedArray };

export interface ModelInfo {
  name: string;
  family: string;
  description?: string;
  backend: Backend;
  /** Why the model is not on WebGPU, when it was asked for. */
  fallbackReason?: string;
  grid: { rows: number; cols: number };
  numLayers: number;
  question: string;
  imageSize: { width: number; height: number };
  maxNewTokens: number;
}

export interface RunRequest {
  question?: string;
  maxNewTokens?: number;
  sampling?: Partial<SamplingOptions>;
}

export interface InferenceApi {
  load(source: ModelSource, prefer: Backend, onProgress: (p: LoadProgress) => void): Promise<ModelInfo>;
  /** Streams the run's events; resolves when it ends. Rows in token events are transferred. */
  generate(image: ImageInput, request: RunRequest, onEvent: (e: RunEvent) => void): Promise<StopReason>;
  /** Stops the current run within one token. */
  cancel(): void;
}
