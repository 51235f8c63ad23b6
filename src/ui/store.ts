import { create } from 'zustand';
import { defaultSettings, type AnyTrace, type RealSettings } from '../real';
import type { SamplingSettings } from '../workers/engine/sampling';
import {
  PAPER_SIDE,
  type SizingMode,
  type SizingRequest,
  type SizingUsed,
} from '../workers/adapters/image-sizing';
import type { ModelInfo } from '../workers/inference-api';
import type { LoadProgress } from '../workers/package/load';

/**
 * One store, in slices: the model, the run (a trace, built as tokens stream
 * in, or opened from a file), and the view. Actions are plain module
 * functions so worker callbacks can call them without hooks.
 */
export type GpuStatus =
  | { state: 'checking' }
  /** software: the emulation's name (SwiftShader…) when the adapter is a CPU, else null. */
  | { state: 'available'; adapter: string; software: string | null }
  | { state: 'unavailable'; reason: string };

/** Which backend the user asked for: the app's choice, or one forced (`?backend=`, the model panel's switch). */
export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export function backendChoiceFromUrl(search: string): BackendChoice {
  const p = new URLSearchParams(search).get('backend');
  return p === 'wasm' || p === 'webgpu' ? p : 'auto';
}

export interface ModelSlice {
  status: 'none' | 'loading' | 'ready';
  info: ModelInfo | null;
  progress: LoadProgress | null;
  error: string | null;
  /** Why the model runs on its backend (the app's choice or the user's), shown beside it. */
  backendReason: string | null;
  backendChoice: BackendChoice;
}

export interface RunSlice {
  status: 'idle' | 'running' | 'done' | 'cancelled';
  /** Rows as float32, or float16 for a trace opened from a float16 binary file. */
  trace: AnyTrace | null;
  /** The image the trace was made from, as a URL for drawing. */
  imageUrl: string | null;
  /** Its ground-truth mask, when known (a sample's, or the trace's). */
  maskUrl: string | null;
  imageName: string | null;
  error: string | null;
  /** Bumped whenever the trace's content changes (tokens stream in place). */
  version: number;
  /** The trace is the shipped example shown before any run (src/ui/example.ts); any other trace clears it. */
  example: boolean;
}

export type ColorMap = 'jet' | 'turbo' | 'viridis';
export type TintBy = 'weight' | 'sT' | 'sI';

export interface ViewSlice {
  /** Index into trace.generated, or null for the ReAL map. */
  selected: number | null;
  /** Tokens picked together (shift-click, or a word's pieces): their maps combined. */
  group: number[];
  /** The strip shows tokens as they are, or sub-word pieces merged into words. */
  tokenView: 'pieces' | 'words';
  combine: 'mean' | 'max';
  /** Colour normalisation: min–max of each map, or one fixed range for every map and run. */
  normalise: 'per-map' | 'fixed';
  fixedMax: number;
  /** Grid cells left out of the colour scale (attention sinks); display only, the scores use every cell. */
  excludedCells: number[];
  /** The grid shown and scored: null for the trace's default view, else a view's name (a tile, the global image). */
  viewName: string | null;
  hovered: number | null;
  settings: RealSettings;
  colorMap: ColorMap;
  opacity: number;
  tintBy: TintBy;
  showMask: boolean;
  showPrediction: boolean;
  /** Where the shown map, min–max normalised, is cut for the red prediction contour. */
  predictionThreshold: number;
}

/** How the next run generates: the question (the fixed one by default) and how tokens are chosen. */
export interface GenerationSlice {
  /** null: the model's own question (the spec's fixed one). */
  question: string | null;
  maxNewTokens: number | null;
  /** The user's changes to the model's decoding settings (its generation_config.json); absent: the model's. */
  sampling: Partial<SamplingSettings>;
  /** null: a fresh seed for each sampled run (the run's trace says which). */
  seed: number | null;
}

/**
 * How a real model's image is sized before its processor (real-method.md,
 * "Image size"): the paper's 420 × 420 by default; the demo model keeps its
 * own size whatever this says.
 */
export interface ImageSizingSlice {
  mode: SizingMode;
  /** The side for `square`. */
  side: number;
  /** The user's image-token cap; null: the loaded model's (its memory plan's). */
  cap: number | null;
  /** What the last run used (its note says when native sizing was capped); null before a run. */
  last: SizingUsed | null;
}

interface AppState {
  gpu: GpuStatus;
  generation: GenerationSlice;
  imageSizing: ImageSizingSlice;
  model: ModelSlice;
  run: RunSlice;
  view: ViewSlice;
}

export const initialView = (): ViewSlice => ({
  selected: null,
  group: [],
  tokenView: 'pieces',
  combine: 'mean',
  normalise: 'per-map',
  fixedMax: 0.05,
  excludedCells: [],
  viewName: null,
  hovered: null,
  settings: defaultSettings(),
  colorMap: 'jet',
  opacity: 0.55,
  tintBy: 'weight',
  showMask: true,
  showPrediction: false,
  predictionThreshold: 0.5,
});

const initialModel = (): ModelSlice => ({
  status: 'none',
  info: null,
  progress: null,
  error: null,
  backendReason: null,
  backendChoice: typeof location === 'undefined' ? 'auto' : backendChoiceFromUrl(location.search),
});

const initialRun = (): RunSlice => ({
  status: 'idle',
  trace: null,
  imageUrl: null,
  maskUrl: null,
  imageName: null,
  error: null,
  version: 0,
  example: false,
});

const initialGeneration = (): GenerationSlice => ({
  question: null,
  maxNewTokens: null,
  sampling: {},
  seed: null,
});

const initialImageSizing = (): ImageSizingSlice => ({
  mode: 'paper',
  side: PAPER_SIDE,
  cap: null,
  last: null,
});

export const useAppStore = create<AppState>(() => ({
  gpu: { state: 'checking' },
  generation: initialGeneration(),
  imageSizing: initialImageSizing(),
  model: initialModel(),
  run: initialRun(),
  view: initialView(),
}));

const set = useAppStore.setState;
const get = useAppStore.getState;

export function setGpuStatus(gpu: GpuStatus): void {
  set({ gpu });
}

export function patchModel(p: Partial<ModelSlice>): void {
  set({ model: { ...get().model, ...p } });
}

/** A new trace that does not say it is the example replaces the example (its badge goes). */
export function patchRun(p: Partial<RunSlice>): void {
  const example = 'example' in p ? p.example : 'trace' in p ? false : get().run.example;
  set({ run: { ...get().run, ...p, example: example ?? false } });
}

export function patchView(p: Partial<ViewSlice>): void {
  set({ view: { ...get().view, ...p } });
}

export function patchGeneration(p: Partial<GenerationSlice>): void {
  set({ generation: { ...get().generation, ...p } });
}

/** Changes how the next runs choose tokens; a value equal to the model's own is no change. */
export function patchSampling(p: Partial<SamplingSettings>): void {
  const own = get().model.info?.sampling;
  const next: Partial<SamplingSettings> = { ...get().generation.sampling, ...p };
  for (const key of Object.keys(p) as (keyof SamplingSettings)[])
    if (own && next[key] === own[key]) delete next[key];
  patchGeneration({ sampling: next });
}

export function patchImageSizing(p: Partial<ImageSizingSlice>): void {
  set({ imageSizing: { ...get().imageSizing, ...p } });
}

/** The sizing a run asks for, from the setting. */
export function sizingRequest(s: ImageSizingSlice): SizingRequest {
  const cap = s.cap !== null ? { maxImageTokens: s.cap } : {};
  return s.mode === 'square' ? { mode: 'square', side: s.side, ...cap } : { mode: s.mode, ...cap };
}

export function patchSettings(p: Partial<RealSettings>): void {
  patchView({ settings: { ...get().view.settings, ...p } });
}

export function selectToken(index: number | null): void {
  patchView({ selected: index, group: [] });
}

/** Shift-click: adds the token to (or takes it out of) the group whose maps are combined. */
export function toggleInGroup(index: number): void {
  const { selected, group } = get().view;
  const base = group.length ? group : selected !== null ? [selected] : [];
  const next = base.includes(index)
    ? base.filter((i) => i !== index)
    : [...base, index].sort((a, b) => a - b);
  patchView({
    group: next.length > 1 ? next : [],
    selected: next.length === 1 ? next[0] : next.length ? selected : null,
  });
}

/** Selects several tokens at once (a word's pieces); one token is a plain selection. */
export function selectGroup(indices: number[]): void {
  if (indices.length === 1) selectToken(indices[0]);
  else patchView({ group: [...indices], selected: null });
}

export function toggleExcludedCell(cell: number): void {
  const cells = get().view.excludedCells;
  patchView({ excludedCells: cells.includes(cell) ? cells.filter((c) => c !== cell) : [...cells, cell] });
}

/** For tests: back to a fresh store. */
export function resetStore(): void {
  set({
    model: initialModel(),
    run: initialRun(),
    view: initialView(),
    generation: initialGeneration(),
    imageSizing: initialImageSizing(),
  });
}

/** Shows and scores another view of the image; its cells differ, so the selection and left-out cells reset. */
export function showView(name: string | null): void {
  patchView({ viewName: name, selected: null, hovered: null, group: [], excludedCells: [] });
}
