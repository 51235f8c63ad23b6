import type { RealSettings } from '../real';
import type { RunSummaryHeader, RunSummaryRow } from '../real/run-set/summary-types';

/**
 * The run-set worker's API (src/workers/run-set.worker.ts, behind comlink):
 * a folder of traces, or a `real eval` output folder, opened for the failure
 * gallery. It reads what the gallery needs first: the rows of any
 * `summary*.jsonl` (docs/run-summary.md), then, for every trace without a
 * row, the trace itself, a few at a time, scored into a row and dropped, so
 * no more than a few traces' attention rows are held at once. Rows reach the
 * page in batches as they are ready; a trace's rows are read only when the
 * user opens it (the trace worker, as any file).
 */

/** One file of the folder, with its path relative to the folder (`/` separators). */
export interface RunSetFile {
  path: string;
  file: Blob;
}

export interface MaskOutline {
  d: string;
  width: number;
  height: number;
}

/** A summary row as the gallery holds it. */
export interface GalleryRow extends RunSummaryRow {
  /** The mask's outline as an SVG path in the mask thumbnail's pixels (its viewBox), null without a mask. */
  maskOutline: MaskOutline | null;
  /** Where the row came from: a summary file, or the trace scored in the worker. */
  source: 'summary' | 'built';
}

/** A file that gave no row: its path and why, in one line. */
export interface RunSetFailure {
  path: string;
  reason: string;
}

export interface RunSetBatch {
  rows: GalleryRow[];
  failures: RunSetFailure[];
}

/** What reading the summaries found. */
export interface RunSetSummaries {
  /** The first summary file's header, when the folder has one. */
  header: RunSummaryHeader | null;
  /**
   * The settings the summary's rows were scored with (its header's, checked), null without a summary:
   * the rows of traces it does not cover are to be scored with these, so the set is one scoring.
   */
  settings: RealSettings | null;
  /**
   * The report JSON written with that summary (`real eval`'s), when the folder has one and it counts
   * as many images as the folder has traces (else a note says why the numbers come from rows).
   */
  report: unknown;
  /** Its path in the folder. */
  reportPath: string | null;
  /** How many trace files the folder has. */
  traces: number;
  /** The trace files a summary row was sent for: the rest need building. */
  covered: string[];
  /** What the reader noticed that is not a failure of one trace (an unreadable summary, a row without its trace). */
  notes: string[];
}

export interface RunSetBuilt {
  built: number;
  failed: number;
}

export interface RunSetWorkerApi {
  /**
   * Step 1: the folder's summaries (rows to `onBatch`) and its report; says which traces they cover.
   * Takes the summary and report files, and only the paths of the traces (cloning a File costs the page
   * time: thousands go in small messages to step 2).
   */
  summaries(
    files: RunSetFile[],
    tracePaths: string[],
    onBatch: (batch: RunSetBatch) => void,
  ): Promise<RunSetSummaries>;
  /**
   * Step 2: rows for these trace files, scored with `settings`, to `onBatch` as they are ready. The page
   * splits the traces no summary covers over a few workers, and hands them over in small parts, a
   * couple of calls in flight per worker; the worker holds a few traces at once, whatever the calls.
   */
  build(
    traces: RunSetFile[],
    settings: RealSettings,
    onBatch: (batch: RunSetBatch) => void,
  ): Promise<RunSetBuilt>;
  /** Stops the calls under way (they reject with CANCELLED; the rows sent so far stay with the page). */
  cancel(): void;
}
