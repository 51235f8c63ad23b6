/**
 * Evaluation metrics (section 5.1): AUROC and AUPR of scores against binary
 * labels (per image, or pooled over every pixel of a set), F1-max, and ACC.
 *
 * Positives' and negatives' scores are sorted separately (typed-array sorts)
 * and walked together from the highest threshold down, so a million pooled
 * pixels score in well under a second. Tied scores form one threshold step.
 */
import { CurveWalk } from './curves';

export interface BinaryCurveSummary {
  auroc: number;
  /** Average precision: Σ (R_k − R_{k−1}) · P_k over descending thresholds (scikit-learn's definition, no interpolation). */
  aupr: number;
  /** The best F1 over all thresholds. */
  f1Max: number;
  positives: number;
  negatives: number;
}

function split(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): [Float64Array, Float64Array] {
  if (scores.length !== labels.length) {
    throw new RangeError(`scores (${scores.length}) and labels (${labels.length}) differ in length`);
  }
  let p = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i]) p++;
  const pos = new Float64Array(p);
  const neg = new Float64Array(labels.length - p);
  let a = 0;
  let b = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) throw new RangeError(`score ${i} is not a finite number`);
    if (labels[i]) pos[a++] = scores[i];
    else neg[b++] = scores[i];
  }
  // Descending.
  pos.sort().reverse();
  neg.sort().reverse();
  return [pos, neg];
}

/** All four summaries in one pass. NaN where a class is missing. */
export function binaryCurves(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
): BinaryCurveSummary {
  const [pos, neg] = split(scores, labels);
  const P = pos.length;
  const N = neg.length;
  const walk = new CurveWalk({ positives: P, negatives: N });
  if (P > 0 && N > 0) {
    let i = 0;
    let j = 0;
    while (i < P || j < N) {
      const t = Math.max(i < P ? pos[i] : -Infinity, j < N ? neg[j] : -Infinity);
      let dtp = 0;
      let dfp = 0;
      while (i < P && pos[i] === t) {
        i++;
        dtp++;
      }
      while (j < N && neg[j] === t) {
        j++;
        dfp++;
      }
      walk.step(dtp, dfp);
    }
  }
  const { auroc, aupr, f1Max } = walk.summary();
  return { auroc, aupr, f1Max, positives: P, negatives: N };
}

export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  return binaryCurves(scores, labels).auroc;
}

export function aupr(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  return binaryCurves(scores, labels).aupr;
}

/** Fraction of predictions equal to the labels; null predictions (no parsable answer) count as wrong. */
export function accuracy(predictions: ArrayLike<number | null>, labels: ArrayLike<number>): number {
  if (predictions.length !== labels.length) throw new RangeError('predictions and labels differ in length');
  if (labels.length === 0) return NaN;
  let right = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) right++;
  return right / labels.length;
}
