/**
 * One run summary row (docs/run-summary.md) from a trace, its decoded mask
 * and the settings: the same function in the CLI (`real eval`, `eval-traces`)
 * and the app's trace worker, so both give the same rows. Thumbnails are made
 * by the caller (the CLI with pngjs/jpeg-js, the app with a canvas).
 */
import { readAnswer } from '../answer';
import { regionCurves, maskRegions } from '../aupro';
import { consistencyReward } from '../consistency';
import { resizeBilinear } from '../map';
import { prepareTrace, scorePrepared, type PreparedTrace } from '../score';
import type { RealSettings } from '../settings';
import type { AnyTrace } from '../trace/types';
import {
  RUN_SUMMARY_FORMAT,
  RUN_SUMMARY_VERSION,
  type RunSummaryHeader,
  type RunSummaryRow,
  type RunSummaryToken,
} from './summary-types';

/** The longer side of the mask a row's own numbers (pixelAuroc, aupro, maskMass) are computed on. */
export const SUMMARY_MASK_SIDE = 128;
/** The longer side of the mask each token's auroc and maskMass are computed on (a row has hundreds). */
export const TOKEN_MASK_SIDE = 64;

/** A 0/1 mask, row-major. */
export interface BinaryMask {
  width: number;
  height: number;
  /** 1 where the pixel is anomalous. */
  data: Uint8Array;
}

/**
 * The mask a row's numbers are computed on: the original when its longer
 * side is at most `side`, else `round(width·s) × round(height·s)` with
 * s = side / longer side (at least 1 pixel). Output pixel (x, y) stands for
 * the source block of columns ⌊x·W/w⌋ … ⌊(x+1)·W/w⌋−1 and rows
 * ⌊y·H/h⌋ … ⌊(y+1)·H/h⌋−1 (each source pixel in exactly one block) and is
 * anomalous when any pixel of that block is (max pooling: a defect thinner
 * than a block stays, a block wide, so every anomalous image keeps its
 * numbers).
 */
export function summaryMask(mask: BinaryMask, side = SUMMARY_MASK_SIDE): BinaryMask {
  const { width: W, height: H } = mask;
  if (mask.data.length !== W * H)
    throw new RangeError(`mask has ${mask.data.length} pixels, expected ${W}×${H}`);
  const longer = Math.max(W, H);
  if (longer <= side) return mask;
  const s = side / longer;
  const w = Math.max(1, Math.round(W * s));
  const h = Math.max(1, Math.round(H * s));
  const data = new Uint8Array(w * h);
  const x0 = Int32Array.from({ length: w + 1 }, (_, x) => Math.floor((x * W) / w));
  for (let y = 0; y < h; y++) {
    const ya = Math.floor((y * H) / h);
    const yb = Math.floor(((y + 1) * H) / h);
    for (let x = 0; x < w; x++) {
      let on = 0;
      for (let yy = ya; yy < yb && !on; yy++) {
        const row = yy * W;
        for (let xx = x0[x]; xx < x0[x + 1]; xx++) on |= mask.data[row + xx];
      }
      data[y * w + x] = on ? 1 : 0;
    }
  }
  return { width: w, height: h, data };
}

/** Share of a map's mass inside the mask; null when the map has no positive mass. */
function massInside(map: Float32Array, mask: Uint8Array): number | null {
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    total += map[i];
    if (mask[i]) inside += map[i];
  }
  return total > 0 ? inside / total : null;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export interface SummaryRowInput {
  trace: AnyTrace;
  /** The trace file, relative to the summary's folder, `/` separators. */
  file: string;
  /** The image's id; by default the file without its extension. */
  id?: string;
  category?: string | null;
  defect?: string | null;
  /** By default the trace's own label, or null. */
  label?: 0 | 1 | null;
  /** The decoded ground-truth mask at the image's size, or null. */
  mask: BinaryMask | null;
  settings: RealSettings;
  thumbnails?: { image: string | null; mask: string | null };
  /** The trace already prepared with these settings (real eval has it for the metrics). */
  prepared?: PreparedTrace;
}

/**
 * The row. Its pixelAuroc, aupro and maskMass are computed on
 * `summaryMask(mask, SUMMARY_MASK_SIDE)`, each token's auroc and maskMass on
 * `summaryMask(mask, TOKEN_MASK_SIDE)`, each map resized bilinearly from its
 * grid straight to that mask's size. They are null for a normal image,
 * without a mask, or when the reduced mask is all anomalous.
 */
export function buildSummaryRow(input: SummaryRowInput): RunSummaryRow {
  const { trace, settings } = input;
  const prepared = input.prepared ?? prepareTrace(trace, settings);
  const score = scorePrepared(prepared, settings);
  const label = input.label !== undefined ? input.label : (trace.label ?? null);
  const { rows, cols } = prepared;

  // Both classes must be left in the reduced mask; regions only for the row's AUPRO.
  const reduced = (side: number) => {
    if (!input.mask || label !== 1) return null;
    const m = summaryMask(input.mask, side);
    let on = 0;
    for (const v of m.data) on += v;
    return on > 0 && on < m.data.length ? m : null;
  };
  const resized = (grid: ArrayLike<number>, m: BinaryMask) =>
    resizeBilinear(grid, rows, cols, m.height, m.width);
  const small = reduced(SUMMARY_MASK_SIDE);
  let pixelAuroc: number | null = null;
  let aupro: number | null = null;
  let maskMass: number | null = null;
  if (small) {
    const scores = resized(score.map, small);
    const curves = regionCurves(scores, maskRegions(small.data, small.width, small.height));
    pixelAuroc = finiteOrNull(curves.auroc);
    aupro = finiteOrNull(curves.aupro);
    maskMass = massInside(scores, small.data);
  }
  const tokenMask = small ? reduced(TOKEN_MASK_SIDE) : null;
  // AUROC only: every anomalous pixel as one region (regions do not change AUROC).
  const tokenRegions = tokenMask && {
    labels: Int32Array.from(tokenMask.data, (v) => (v ? 0 : -1)),
    sizes: Int32Array.of(1),
  };

  const tokens: RunSummaryToken[] = score.tokens.map((t, r) => {
    let tokenAuroc: number | null = null;
    let tokenMass: number | null = null;
    if (tokenMask && tokenRegions) {
      const scores = resized(prepared.maps[r], tokenMask);
      tokenAuroc = finiteOrNull(regionCurves(scores, tokenRegions).auroc);
      tokenMass = massInside(scores, tokenMask.data);
    }
    return {
      index: t.index,
      text: trace.generated[t.index].text,
      sT: t.sT,
      sI: t.sI,
      sTNorm: t.sTNorm,
      sINorm: t.sINorm,
      kept: t.selected,
      weight: t.weight,
      auroc: tokenAuroc,
      maskMass: tokenMass,
    };
  });

  const j = score.consistency.jaccard;
  return {
    trace: input.file,
    id: input.id ?? input.file.replace(/\.(json|rtrace)$/i, ''),
    category: input.category ?? null,
    defect: input.defect ?? null,
    label,
    answer: readAnswer(trace.generated).answer,
    pYes: trace.answerProbability ?? null,
    pixelAuroc,
    aupro,
    maskMass,
    jaccard: j,
    rCons: label === null ? null : (consistencyReward(label, j, settings.delta1, settings.delta2) as 0 | 1),
    kept: tokens.filter((t) => t.kept).length,
    grid: { rows, cols },
    map: Array.from(score.map),
    thumbnail: input.thumbnails?.image ?? null,
    maskThumbnail: input.thumbnails?.mask ?? null,
    tokens,
  };
}

/** The header line's object for rows scored with `settings`. */
export function summaryHeader(
  settings: RealSettings,
  extra: Omit<RunSummaryHeader, 'format' | 'version' | 'settings'> = {},
): RunSummaryHeader {
  return {
    format: RUN_SUMMARY_FORMAT,
    version: RUN_SUMMARY_VERSION,
    settings: { ...settings, maskSide: SUMMARY_MASK_SIDE, tokenMaskSide: TOKEN_MASK_SIDE },
    ...extra,
  };
}
