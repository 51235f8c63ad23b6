/**
 * The run summary (docs/run-summary.md): one row per image of a run set, so
 * a gallery of thousands of runs opens without reading every trace's rows.
 * `real eval` writes it beside the traces; the app reads it when present and
 * builds the same rows in its trace worker when not. Rows are built from a
 * trace by one function in src/real/run-set, used by both.
 */

export const RUN_SUMMARY_FORMAT = 'real-run-summary';
export const RUN_SUMMARY_VERSION = 1;

/** The first line of a summary file. */
export interface RunSummaryHeader {
  format: typeof RUN_SUMMARY_FORMAT;
  version: typeof RUN_SUMMARY_VERSION;
  /** The settings the rows were scored with (α, β, k, layers, row reading, anomaly words, thresholds). */
  settings: Record<string, unknown>;
  /** What produced the traces, as `real eval` knows it. */
  model?: { name?: string; family?: string; source?: string; dtype?: string };
  /** The dataset layout read (`mvtec`, `visa`, `index`), and the root's base name. */
  dataset?: { layout: string; name: string };
  /** `I/N` for a shard's own file. */
  shard?: string;
}

/** One reasoning token of one image, for the set's word table and S_T–S_I scatter. */
export interface RunSummaryToken {
  /** Index into the trace's `generated`. */
  index: number;
  /** The token's raw text (boundary markers kept; the app shows words on demand). */
  text: string;
  sT: number;
  sI: number;
  sTNorm: number;
  sINorm: number;
  /** ReAL keeps it (Eq. 4). */
  kept: boolean;
  weight: number;
  /** Per-image pixel AUROC of this token's own map against the mask; null for a normal image. */
  auroc: number | null;
  /** Share of this token's map mass (resized to the mask) inside the mask; null for a normal image. */
  maskMass: number | null;
}

/** One image's row. */
export interface RunSummaryRow {
  /** The trace file, relative to the summary's folder, with `/` separators: the row's key. */
  trace: string;
  /** The image's id (the dataset's relative path without extension, or the index's id). */
  id: string;
  category: string | null;
  /** The defect type (`good` for a normal image in MVTec-style layouts); null where unknown. */
  defect: string | null;
  label: 0 | 1 | null;
  answer: 'yes' | 'no' | null;
  /** P(yes), the image score; null where the answer never reached `<answer>`. */
  pYes: number | null;
  /** Per-image pixel AUROC and AUPRO of the ReAL map against the mask; null without a mask or for a normal image. */
  pixelAuroc: number | null;
  aupro: number | null;
  /** Share of the ReAL map's mass inside the mask; null without one. */
  maskMass: number | null;
  /** CGRO's J and R_cons (R_cons null without a label). */
  jaccard: number;
  rCons: 0 | 1 | null;
  kept: number;
  /** The ReAL map on the default grid, row-major (raw Eq. 5 values). */
  grid: { rows: number; cols: number };
  map: number[];
  /** The image and the mask as small JPEG/PNG data URLs (longer side ≤ 128 px), for gallery tiles. */
  thumbnail: string | null;
  maskThumbnail: string | null;
  tokens: RunSummaryToken[];
}
