import { parseAnswer } from './consistency';
import { resizeBilinear } from './map';
import { accuracy, binaryCurves, type BinaryCurveSummary } from './metrics';
import { ablationMaps, prepareTrace } from './score';
import type { RealSettings } from './settings';
import type { AnyTrace } from './trace/types';
import { MAP_MODES, type MapMode } from './weights';

/**
 * Evaluation over a set of runs (section 5.1): image AUROC/AUPR of the
 * answer probability and ACC of the yes/no answer; pixel AUROC/AUPR of each
 * ablation map, resized bilinearly to the mask, pooled over every pixel.
 * Maps are pooled raw (no per-image normalisation), as Eq. 5 defines them.
 */

export interface EvalItem {
  trace: AnyTrace;
  label: 0 | 1;
  /** Size of the image the map is resized to (the mask's). */
  width: number;
  height: number;
  /** 1 where the pixel is anomalous; null for a normal image (all 0). */
  mask: Uint8Array | null;
}

export interface PixelMetrics {
  /** Pooled over every image of the set (normal images add negatives only). */
  all: BinaryCurveSummary;
  /** Pooled over the anomalous images only. */
  anomalous: BinaryCurveSummary;
}

export interface EvalReport {
  images: number;
  anomalous: number;
  image: {
    auroc: number;
    aupr: number;
    f1Max: number;
    acc: number;
    scoredBy: 'answerProbability';
    /** Answers with no P(yes) (no `<answer>` reached): image AUROC/AUPR are undefined if any. */
    missingAnswerProbability: number;
  };
  pixel: Record<MapMode, PixelMetrics>;
}

export function answerText(trace: Pick<AnyTrace, 'generated'>): string {
  return trace.generated.map((t) => t.text).join('');
}

export function evaluate(items: readonly EvalItem[], settings: RealSettings): EvalReport {
  const labels = items.map((it) => it.label);
  // An answer that never reached `<answer>` has no P(yes): the image curves
  // are then undefined (NaN), and the count says why; pixel metrics still stand.
  const missing = items.filter((it) => it.trace.answerProbability === undefined).length;
  const imageCurves = missing
    ? { auroc: NaN, aupr: NaN, f1Max: NaN }
    : binaryCurves(
        items.map((it) => it.trace.answerProbability!),
        labels,
      );
  const predictions = items.map((it) => parseAnswer(answerText(it.trace)));

  const total = items.reduce((n, it) => n + it.width * it.height, 0);
  const anomalousTotal = items.reduce((n, it) => n + (it.label ? it.width * it.height : 0), 0);
  const pixelLabels = new Uint8Array(total);
  const pixelScores = Object.fromEntries(MAP_MODES.map((m) => [m, new Float32Array(total)])) as Record<
    MapMode,
    Float32Array
  >;
  const isAnomalousPixel = new Uint8Array(total);
  let offset = 0;
  for (const it of items) {
    const n = it.width * it.height;
    if (it.mask) {
      if (it.mask.length !== n) throw new RangeError(`mask has ${it.mask.length} pixels, expected ${n}`);
      pixelLabels.set(it.mask, offset);
    }
    if (it.label) isAnomalousPixel.fill(1, offset, offset + n);
    const maps = ablationMaps(prepareTrace(it.trace, settings), settings);
    const { rows, cols } = it.trace.grid;
    for (const m of MAP_MODES)
      pixelScores[m].set(resizeBilinear(maps[m], rows, cols, it.height, it.width), offset);
    offset += n;
  }
  const anomalousLabels = new Uint8Array(anomalousTotal);
  const pick = (scores: Float32Array) => {
    const out = new Float32Array(anomalousTotal);
    let k = 0;
    for (let i = 0; i < total; i++) if (isAnomalousPixel[i]) out[k++] = scores[i];
    return out;
  };
  {
    let k = 0;
    for (let i = 0; i < total; i++) if (isAnomalousPixel[i]) anomalousLabels[k++] = pixelLabels[i];
  }
  const pixel = Object.fromEntries(
    MAP_MODES.map((m) => [
      m,
      {
        all: binaryCurves(pixelScores[m], pixelLabels),
        anomalous: binaryCurves(pick(pixelScores[m]), anomalousLabels),
      },
    ]),
  ) as Record<MapMode, PixelMetrics>;

  return {
    images: items.length,
    anomalous: labels.filter((l) => l === 1).length,
    image: {
      auroc: imageCurves.auroc,
      aupr: imageCurves.aupr,
      f1Max: imageCurves.f1Max,
      acc: accuracy(predictions, labels),
      scoredBy: 'answerProbability',
      missingAnswerProbability: missing,
    },
    pixel,
  };
}
