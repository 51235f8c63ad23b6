import { readAnswer } from './answer';
import type { CurveSummary } from './curves';
import { accuracy, binaryCurves } from './metrics';
import { PixelPool } from './pixel-pool';
import { ablationMaps, prepareTrace, type PreparedTrace } from './score';
import type { RealSettings } from './settings';
import type { AnyTrace } from './trace/types';
import { MAP_MODES, type MapMode } from './weights';

/**
 * Evaluation over a set of runs (section 5.1): image AUROC/AUPR/F1-max of the
 * answer probability and ACC of the yes/no answer; pixel AUROC/AUPR/F1-max
 * and AUPRO of each ablation map, resized bilinearly to the image's own
 * (original) size, pooled over every pixel of the set, and over the
 * anomalous images alone. Maps are pooled raw (no per-image normalisation),
 * as Eq. 5 defines them.
 *
 * Streaming: `EvalAccumulator.add` takes one image at a time and keeps only
 * its answer, its four grids and its mask as runs (pixel-pool.ts), so a set
 * of thousands of images at full resolution fits; `report()` computes the
 * exact pooled numbers in bounded memory. With categories (a dataset layout's
 * folders) the report has the same object per category and their macro mean.
 */

export interface EvalItem {
  trace: AnyTrace;
  label: 0 | 1;
  /** Size of the image the map is resized to (the mask's). */
  width: number;
  height: number;
  /** 1 where the pixel is anomalous; null for a normal image (all 0). */
  mask: Uint8Array | null;
  /** The image's category (a dataset layout's folder); absent for a set without categories. */
  category?: string;
}

/** A pooled pixel summary: AUROC, AP, F1-max, AUPRO and the counts behind them. */
export interface PixelSummary {
  auroc: number;
  aupr: number;
  f1Max: number;
  /** Area under the per-region-overlap curve to FPR 0.3, divided by 0.3 (aupro.ts). */
  aupro: number;
  positives: number;
  negatives: number;
  /** Ground-truth regions (8-connected, per mask) behind AUPRO. */
  regions: number;
}

export interface PixelMetrics {
  /** Pooled over every image of the set (normal images add negatives only). */
  all: PixelSummary;
  /** Pooled over the anomalous images only. */
  anomalous: PixelSummary;
}

export interface ImageMetrics {
  auroc: number;
  aupr: number;
  f1Max: number;
  acc: number;
  scoredBy: 'answerProbability';
  /** Answers with no P(yes) (no `<answer>` reached): image AUROC/AUPR are undefined if any. */
  missingAnswerProbability: number;
}

/** One set's numbers: the whole set's, or one category's. */
export interface SetReport {
  images: number;
  anomalous: number;
  image: ImageMetrics;
  pixel: Record<MapMode, PixelMetrics>;
}

/** The macro average over categories, as the paper's tables report it. */
export interface MeanReport {
  /** How many categories the mean is over. */
  categories: number;
  image: { auroc: number; aupr: number; f1Max: number; acc: number };
  pixel: Record<
    MapMode,
    Record<'all' | 'anomalous', { auroc: number; aupr: number; f1Max: number; aupro: number }>
  >;
  /** Numbers undefined in some categories (no anomalous image, no P(yes)): those categories, by number. */
  undefinedIn: Record<string, string[]>;
}

export interface EvalReport extends SetReport {
  /** Where pixel metrics are computed: over each image's original size. */
  pixelResolution: 'original';
  /** Per category, when the set has categories. */
  categories?: Record<string, SetReport>;
  /** The macro average over `categories`. */
  mean?: MeanReport;
}

export function answerText(trace: Pick<AnyTrace, 'generated'>): string {
  return trace.generated.map((t) => t.text).join('');
}

/** The yes/no answer as a label (1 yes, 0 no, null unknown), read as real-method.md says. */
export function predictedLabel(trace: Pick<AnyTrace, 'generated'>): 0 | 1 | null {
  const a = readAnswer(trace.generated).answer;
  return a === 'yes' ? 1 : a === 'no' ? 0 : null;
}

interface ImageRecord {
  label: 0 | 1;
  pYes: number | undefined;
  predicted: 0 | 1 | null;
  group: number;
}

export interface EvalOptions {
  /** The categories, in report order; items name theirs. Absent: a set without categories. */
  categories?: readonly string[];
  /** Pixels held at once by the pooled pixel metrics (pixel-pool.ts). */
  pixelBudget?: number;
}

export class EvalAccumulator {
  private readonly records: ImageRecord[] = [];
  private readonly pool: PixelPool;
  private readonly categoryIndex: Map<string, number>;

  constructor(
    private readonly settings: RealSettings,
    private readonly options: EvalOptions = {},
  ) {
    this.categoryIndex = new Map((options.categories ?? []).map((c, i) => [c, i]));
    this.pool = new PixelPool(this.categoryIndex.size, MAP_MODES.length, options.pixelBudget);
  }

  get size(): number {
    return this.records.length;
  }

  /** Adds one image; `prepared` saves preparing the trace again when the caller has it. */
  add(item: EvalItem, prepared?: PreparedTrace): void {
    const n = item.width * item.height;
    if (item.mask && item.mask.length !== n)
      throw new RangeError(`mask has ${item.mask.length} pixels, expected ${n}`);
    let category = -1;
    if (this.categoryIndex.size) {
      const c = item.category === undefined ? undefined : this.categoryIndex.get(item.category);
      if (c === undefined)
        throw new RangeError(`category ${JSON.stringify(item.category)} is not one of the set's`);
      category = c;
    }
    const maps = ablationMaps(prepared ?? prepareTrace(item.trace, this.settings), this.settings);
    const { rows, cols } = item.trace.grid;
    this.pool.add({
      category,
      label: item.label,
      width: item.width,
      height: item.height,
      rows,
      cols,
      maps: MAP_MODES.map((m) => maps[m]),
      mask: item.mask,
    });
    this.records.push({
      label: item.label,
      pYes: item.trace.answerProbability,
      predicted: predictedLabel(item.trace),
      group: category + 1,
    });
  }

  report(): EvalReport {
    const groups = this.categoryIndex.size + 1;
    const pixel: Record<MapMode, PixelMetrics>[] = Array.from({ length: groups }, () => ({}) as never);
    MAP_MODES.forEach((mode, m) => {
      const s = this.pool.summaries(m);
      for (let g = 0; g < groups; g++)
        pixel[g][mode] = { all: pixelSummary(s[2 * g]), anomalous: pixelSummary(s[2 * g + 1]) };
    });
    const whole: EvalReport = {
      ...imageReport(this.records),
      pixel: pixel[0],
      pixelResolution: 'original',
    };
    if (!this.categoryIndex.size) return whole;
    const categories: Record<string, SetReport> = {};
    for (const [name, c] of this.categoryIndex) {
      categories[name] = {
        ...imageReport(this.records.filter((r) => r.group === c + 1)),
        pixel: pixel[c + 1],
      };
    }
    return { ...whole, categories, mean: macroMean(categories) };
  }
}

function pixelSummary(s: CurveSummary): PixelSummary {
  return {
    auroc: s.auroc,
    aupr: s.aupr,
    f1Max: s.f1Max,
    aupro: s.aupro,
    positives: s.positives,
    negatives: s.negatives,
    regions: s.regions,
  };
}

function imageReport(records: readonly ImageRecord[]): Omit<SetReport, 'pixel'> {
  const labels = records.map((r) => r.label);
  // An answer that never reached `<answer>` has no P(yes): the image curves
  // are then undefined (NaN), and the count says why; pixel metrics still stand.
  const missing = records.filter((r) => r.pYes === undefined).length;
  const curves = missing
    ? { auroc: NaN, aupr: NaN, f1Max: NaN }
    : binaryCurves(
        records.map((r) => r.pYes!),
        labels,
      );
  return {
    images: records.length,
    anomalous: labels.filter((l) => l === 1).length,
    image: {
      auroc: curves.auroc,
      aupr: curves.aupr,
      f1Max: curves.f1Max,
      acc: accuracy(
        records.map((r) => r.predicted),
        labels,
      ),
      scoredBy: 'answerProbability',
      missingAnswerProbability: missing,
    },
  };
}

/** The mean over categories of each number, over those where it is defined; the rest are listed. */
function macroMean(categories: Record<string, SetReport>): MeanReport {
  const names = Object.keys(categories);
  const undefinedIn: Record<string, string[]> = {};
  const mean = (path: string, get: (r: SetReport) => number) => {
    let sum = 0;
    let n = 0;
    for (const name of names) {
      const v = get(categories[name]);
      if (Number.isFinite(v)) {
        sum += v;
        n++;
      } else (undefinedIn[path] ??= []).push(name);
    }
    return n ? sum / n : NaN;
  };
  const image = {
    auroc: mean('image.auroc', (r) => r.image.auroc),
    aupr: mean('image.aupr', (r) => r.image.aupr),
    f1Max: mean('image.f1Max', (r) => r.image.f1Max),
    acc: mean('image.acc', (r) => r.image.acc),
  };
  const pixel = {} as MeanReport['pixel'];
  for (const mode of MAP_MODES) {
    const part = (which: 'all' | 'anomalous') => {
      const at = (k: 'auroc' | 'aupr' | 'f1Max' | 'aupro') =>
        mean(`pixel.${mode}.${which}.${k}`, (r) => r.pixel[mode][which][k]);
      return { auroc: at('auroc'), aupr: at('aupr'), f1Max: at('f1Max'), aupro: at('aupro') };
    };
    pixel[mode] = { all: part('all'), anomalous: part('anomalous') };
  }
  return { categories: names.length, image, pixel, undefinedIn };
}

/** The whole evaluation of items held in memory (the app's shipped set); the CLI streams through EvalAccumulator. */
export function evaluate(
  items: readonly EvalItem[],
  settings: RealSettings,
  options: EvalOptions = {},
): EvalReport {
  const acc = new EvalAccumulator(settings, options);
  for (const it of items) acc.add(it);
  return acc.report();
}
