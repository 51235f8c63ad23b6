/**
 * One walk over scores from the highest threshold down, tied scores as one
 * step, that yields every summary a set needs: AUROC (ties count half), AP
 * (scikit-learn's average precision), F1-max, and the area under the
 * per-region-overlap curve up to a false-positive rate (AUPRO). The in-memory
 * metrics (metrics.ts, aupro.ts) and the pooled, bounded-memory evaluation
 * (pixel-pool.ts) both feed it, so there is one definition of each number.
 */

/** The default integration limit of AUPRO (the MVTec AD paper's 0.3). */
export const AUPRO_FPR_LIMIT = 0.3;

export interface CurveTotals {
  /** Positive (anomalous) samples. */
  positives: number;
  /** Negative (normal) samples. */
  negatives: number;
  /** Ground-truth regions behind the positives (AUPRO's K); 0 when AUPRO is not wanted. */
  regions?: number;
  fprLimit?: number;
}

export interface CurveSummary {
  auroc: number;
  /** Average precision: Σ (R_k − R_{k−1}) · P_k over descending thresholds (scikit-learn's definition, no interpolation). */
  aupr: number;
  f1Max: number;
  /**
   * ∫₀^limit PRO d(FPR) / limit: PRO the mean over ground-truth regions of the
   * share of each region at or above the threshold, FPR over every negative.
   * Trapezoids between the curve's points from (0, 0), the last one cut at the
   * limit by linear interpolation, and divided by the limit itself (not by the
   * last point's FPR). NaN without regions or negatives.
   */
  aupro: number;
  positives: number;
  negatives: number;
  regions: number;
}

/**
 * The walk's state. Feed it tie groups in descending score order with
 * `step(dtp, dfp, dpro)` (dpro: Σ 1/|region| over the group's positives, or 0
 * when AUPRO is not wanted), then read `summary()`.
 */
export class CurveWalk {
  private tp = 0;
  private fp = 0;
  private auc = 0;
  private ap = 0;
  private f1 = 0;
  private prevRecall = 0;
  private proSum = 0;
  private prevFpr = 0;
  private prevPro = 0;
  private proArea = 0;
  private proDone = false;
  private readonly P: number;
  private readonly N: number;
  private readonly K: number;
  private readonly limit: number;

  constructor(totals: CurveTotals) {
    this.P = totals.positives;
    this.N = totals.negatives;
    this.K = totals.regions ?? 0;
    this.limit = totals.fprLimit ?? AUPRO_FPR_LIMIT;
  }

  step(dtp: number, dfp: number, dpro = 0): void {
    if (dtp === 0 && dfp === 0) return;
    const { P, N } = this;
    // Trapezoid under the ROC step: ties count half (Mann–Whitney).
    this.auc += dfp * (this.tp + dtp / 2);
    this.tp += dtp;
    this.fp += dfp;
    if (P > 0) {
      const precision = this.tp / (this.tp + this.fp);
      const recall = this.tp / P;
      this.ap += (recall - this.prevRecall) * precision;
      this.prevRecall = recall;
      if (this.tp > 0) this.f1 = Math.max(this.f1, (2 * precision * recall) / (precision + recall));
    }
    if (this.K > 0 && N > 0 && !this.proDone) {
      this.proSum += dpro;
      const fpr = this.fp / N;
      const pro = this.proSum / this.K;
      if (fpr <= this.limit) {
        this.proArea += ((fpr - this.prevFpr) * (this.prevPro + pro)) / 2;
        if (fpr === this.limit) this.proDone = true;
      } else {
        const at = this.prevPro + ((pro - this.prevPro) * (this.limit - this.prevFpr)) / (fpr - this.prevFpr);
        this.proArea += ((this.limit - this.prevFpr) * (this.prevPro + at)) / 2;
        this.proDone = true;
      }
      this.prevFpr = fpr;
      this.prevPro = pro;
    }
  }

  summary(): CurveSummary {
    const { P, N, K } = this;
    const aupro = K > 0 && N > 0 ? this.proArea / this.limit : NaN;
    if (P === 0 || N === 0)
      return {
        auroc: NaN,
        aupr: P === 0 ? NaN : 1,
        f1Max: P === 0 ? NaN : (2 * P) / (2 * P + N),
        aupro,
        positives: P,
        negatives: N,
        regions: K,
      };
    return {
      auroc: this.auc / (P * N),
      aupr: this.ap,
      f1Max: this.f1,
      aupro,
      positives: P,
      negatives: N,
      regions: K,
    };
  }
}
