import type { BinaryLayout, PreparedTrace, PrepareSettings, Trace } from '../real';

/**
 * The trace worker's API (src/workers/trace.worker.ts, behind comlink): it
 * opens a trace file of either form, checks it, runs prepareTrace, and
 * writes a trace back to a Blob, all off the page's thread. The rows travel
 * once, as a SharedArrayBuffer the page and the worker both read (the app is
 * cross-origin isolated); nothing big is copied through postMessage.
 */

export interface TraceTaskProgress {
  phase: 'reading' | 'checking' | 'preparing' | 'writing';
  done: number;
  total: number;
}

/** A PreparedTrace flattened for transfer: the maps in one buffer, reasoning tokens × cells. */
export interface PreparedTransfer {
  rows: number;
  cols: number;
  reasoning: number[];
  anomalyPositions: number[];
  maps: Float64Array;
  sT: Float64Array;
  sI: Float64Array;
}

/** For the worker: prepareTraceSteps' maps already share one buffer (reasoning tokens × cells), sent whole. */
export function toTransfer(p: PreparedTrace): PreparedTransfer {
  const maps = p.maps.length
    ? new Float64Array(p.maps[0].buffer, 0, p.maps.length * p.rows * p.cols)
    : new Float64Array(0);
  return { ...p, maps };
}

/** For the page: one map view per reasoning token into the transferred buffer (no copy). */
export function fromTransfer(t: PreparedTransfer): PreparedTrace {
  const cells = t.rows * t.cols;
  return { ...t, maps: t.reasoning.map((_, i) => t.maps.subarray(i * cells, (i + 1) * cells)) };
}

export interface PrepareResult {
  prepared: PreparedTransfer | null;
  /** Why there is nothing prepared (e.g. a layer range past the trace's layers). */
  error: string | null;
}

export interface OpenedTrace extends PrepareResult {
  /** The trace without its rows; `attachBinaryRows(meta, layout, rows, { trusted: true })` rebuilds it. */
  meta: Trace<never>;
  layout: BinaryLayout;
  /** Shared with the worker when the page is cross-origin isolated; else the worker's copy, handed over. */
  rows: SharedArrayBuffer | ArrayBuffer;
  /** Whether the worker keeps the rows (and so can prepare again). */
  shared: boolean;
  /** File bytes read. */
  bytes: number;
}

export interface SaveRequest {
  form: 'json' | 'binary';
  dtype?: 'float16' | 'float32';
  /** Fields that the page sets at saving (the image as a data URL, the settings in use). */
  overrides?: Partial<Pick<Trace, 'image' | 'settings'>>;
}

export interface TraceWorkerApi {
  /** Opens a trace file (sniffed: binary or JSON), checks it, prepares it for `settings`. */
  open(
    file: Blob,
    name: string,
    settings: PrepareSettings,
    onProgress: (p: TraceTaskProgress) => void,
  ): Promise<OpenedTrace>;
  /** prepareTrace again for the open trace (a layer range, row reading or anomaly words changed). */
  prepare(settings: PrepareSettings, onProgress: (p: TraceTaskProgress) => void): Promise<PrepareResult>;
  /** Stops the open or prepare under way (it rejects with a CancelledError). */
  cancel(): void;
  /** Writes the open trace to a Blob, in parts (never one string of the whole). */
  save(request: SaveRequest, onProgress: (p: TraceTaskProgress) => void): Promise<Blob>;
  /** Forgets the open trace. */
  close(): void;
}

export const CANCELLED = 'cancelled';
