/**
 * The worker's API as the UI sees it (through comlink). Types only cross
 * this line: the UI imports this file with `import type`.
 */
import type { SizingRequest } from './adapters/image-sizing';
import type { RunEvent, StopReason } from './engine/events';
import type { Component, DeviceLimits, Dtype } from './hub/dtypes';
import type { HubTimeouts } from './hub/timed-fetch';
import type { LoadedModelInfo } from './engine/load-model';
import type { SamplingOptions } from './engine/sampling';
import type { LoadProgress } from './package/load';
import type { Backend } from './runtime/ort-types';

/** The three ONNX components of a VLM export. */
export type { Component };
/** transformers.js's dtype names, or 'auto' for its defaults on this backend. */
export type DtypeChoice = 'auto' | Dtype;
export type DtypeChoices = Partial<Record<Component, DtypeChoice>>;

export type ModelSource =
  /** A package folder over HTTP(S): the app's own /models/…, or any URL (kept in Cache Storage). */
  | { kind: 'url'; url: string }
  /** Files the user picked or dropped: a model package, or a Hugging Face repo folder. */
  | { kind: 'files'; files: File[]; dtypes?: DtypeChoices }
  /** A Hugging Face repo id, fetched as `{base}/{repo}/resolve/main/{path}` (a mirror or local server works too). */
  | { kind: 'hub'; repo: string; base: string; dtypes?: DtypeChoices; timeouts?: Partial<HubTimeouts> }
  /** A Hugging Face repo layout under any base URL. */
  | { kind: 'repo-url'; url: string; dtypes?: DtypeChoices; timeouts?: Partial<HubTimeouts> };

/** What the page knows of the device (its WebGPU adapter's limits, navigator.deviceMemory), for the memory plan. */
export type { DeviceLimits };

/** What a repo will download, before anything big is fetched. */
export interface RepoSummary {
  family: string;
  dtypes: Record<Component, string>;
  files: { path: string; bytes: number; cached: boolean }[];
  totalBytes: number;
  /** Bytes still to download (files not in the cache). */
  toDownload: number;
  attention: { layers: number[]; numDecoderLayers: number; kind: string } | null;
  /** The memory plan (src/workers/hub/memory-plan.ts): what a run needs here. */
  plan: {
    /** "needs about 3.1 GB; this browser allows 2 GiB per buffer". */
    text: string;
    backend: string;
    bytes: {
      vision: number;
      embed: number;
      decoder: number;
      kvCache: number;
      prefill: number;
      total: number;
    };
    largestTensor: { component: Component; name: string; bytes: number } | null;
    /** Why a component is not at its first dtype. */
    moved: Partial<Record<Component, string>>;
    imageTokens: number;
    maxImageTokens: number;
  };
}

export type ImageInput =
  | { kind: 'blob'; blob: Blob; name: string }
  | { kind: 'rgba'; width: number; height: number; data: Uint8ClampedArray };

export interface ModelInfo extends LoadedModelInfo {
  backend: Backend;
  /** Why the model is not on WebGPU, when it was asked for. */
  fallbackReason?: string;
}

export interface RunRequest {
  question?: string;
  tier?: 1 | 2 | 3 | null;
  maxNewTokens?: number;
  sampling?: Partial<SamplingOptions>;
  /** How a real model's image is sized (the demo model ignores it). */
  sizing?: SizingRequest;
}

export interface InferenceApi {
  /**
   * Reads a repo's configs and graphs without downloading weights, and plans
   * its memory against `limits`; throws one line when unusable or when it
   * cannot fit.
   */
  inspect(source: ModelSource, prefer: Backend, limits?: DeviceLimits): Promise<RepoSummary>;
  /** Stops the check in progress (comlink cannot pass an AbortSignal); it then throws "the check was stopped". */
  cancelInspect(): void;
  load(
    source: ModelSource,
    prefer: Backend,
    onProgress: (p: LoadProgress) => void,
    limits?: DeviceLimits,
  ): Promise<ModelInfo>;
  /** Streams the run's events; resolves when it ends. Rows in token events are transferred. */
  generate(image: ImageInput, request: RunRequest, onEvent: (e: RunEvent) => void): Promise<StopReason>;
  /** Stops the current run within one token. */
  cancel(): void;
  /** Stops a model download; what arrived is kept, and the next load resumes it. */
  cancelLoad(): void;
}
