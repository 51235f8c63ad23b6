/**
 * AUPRO (Bergmann et al., "The MVTec Anomaly Detection Dataset", IJCV 2021;
 * anomalib's `AUPRO`): the ground-truth mask's 8-connected regions, the
 * per-region overlap PRO(t) = mean over regions of |{p ∈ R : s(p) ≥ t}| / |R|
 * against the false-positive rate over every normal pixel, integrated up to
 * FPR 0.3 and divided by 0.3 (the MVTec AD evaluation code's normalisation;
 * anomalib divides by the last point's FPR instead, which it interpolates to
 * the limit too, so the two agree up to that interpolation). The curve walk
 * itself is in curves.ts.
 */
import { CurveWalk, type CurveSummary } from './curves';
import { connectedComponents8 } from './entropy';
import { floatKeys, radixSort } from './radix';

export interface MaskRegions {
  /** Per pixel: its region's index, or −1 for a normal pixel. */
  labels: Int32Array;
  /** Pixels per region. */
  sizes: Int32Array;
}

/** The 8-connected regions of a 0/1 mask (row-major, width × height). */
export function maskRegions(mask: ArrayLike<number>, width: number, height: number): MaskRegions {
  if (mask.length !== width * height)
    throw new RangeError(`mask has ${mask.length} pixels, expected ${width}×${height}`);
  const { labels, count } = connectedComponents8(mask, height, width);
  const sizes = new Int32Array(count);
  for (let i = 0; i < labels.length; i++) if (labels[i] >= 0) sizes[labels[i]]++;
  return { labels, sizes };
}

/**
 * AUROC, AP, F1-max and AUPRO of scores against regions (one image's, or
 * several images' with distinct region indices), in memory: a pixel is
 * positive where `labels[i] ≥ 0`. NaN where a number is undefined. Scores
 * are compared as float32 (what resizeBilinear gives; wider values are
 * rounded to it): positives and negatives are radix-sorted apart by their
 * bits and walked together from the top.
 */
export function regionCurves(
  scores: ArrayLike<number>,
  regions: MaskRegions,
  fprLimit?: number,
): CurveSummary {
  const { labels, sizes } = regions;
  const n = scores.length;
  if (labels.length !== n)
    throw new RangeError(`scores (${n}) and region labels (${labels.length}) differ in length`);
  const values = scores instanceof Float32Array ? scores : Float32Array.from(scores);
  let P = 0;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i])) throw new RangeError(`score ${i} is not a finite number`);
    if (labels[i] >= 0) P++;
  }
  const N = n - P;
  const keys = floatKeys(values);
  const posKeys = new Uint32Array(P);
  const posRegion = new Uint32Array(P);
  const negKeys = new Uint32Array(N);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (labels[i] >= 0) {
      posKeys[a] = keys[i];
      posRegion[a++] = labels[i];
    } else negKeys[b++] = keys[i];
  }
  radixSort(posKeys, posRegion);
  radixSort(negKeys);
  const walk = new CurveWalk({ positives: P, negatives: N, regions: sizes.length, fprLimit });
  const weight = Float64Array.from(sizes, (s) => 1 / s);
  // −0 and +0 have neighbouring keys but are one score.
  const zero = (k: number) => (k === 0x7fffffff ? 0x80000000 : k);
  let i = P - 1;
  let j = N - 1;
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? zero(posKeys[i]) : -1, j >= 0 ? zero(negKeys[j]) : -1);
    let dtp = 0;
    let dfp = 0;
    let dpro = 0;
    for (; i >= 0 && zero(posKeys[i]) === t; i--) {
      dtp++;
      dpro += weight[posRegion[i]];
    }
    for (; j >= 0 && zero(negKeys[j]) === t; j--) dfp++;
    walk.step(dtp, dfp, dpro);
  }
  return walk.summary();
}

/** AUPRO of scores against a 0/1 mask (width × height). */
export function aupro(
  scores: ArrayLike<number>,
  mask: ArrayLike<number>,
  width: number,
  height: number,
  fprLimit?: number,
): number {
  return regionCurves(scores, maskRegions(mask, width, height), fprLimit).aupro;
}
