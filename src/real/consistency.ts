import { percentile } from './stats';

/**
 * CGRO's consistency (Eq. 6–7), rewards (Eq. 8) and group-normalised
 * advantages (Eq. 10).
 */

/**
 * Top k tokens by weight, only those with w > 0, ties broken by the earlier
 * token. Returns indices into `w`, highest weight first.
 */
export function topK(w: ArrayLike<number>, k: number): number[] {
  const idx: number[] = [];
  for (let i = 0; i < w.length; i++) if (w[i] > 0) idx.push(i);
  idx.sort((a, b) => w[b] - w[a] || a - b);
  return idx.slice(0, k);
}

/** Ω_r: the cells strictly above the map's p-th percentile (numpy linear). */
export function support(map: ArrayLike<number>, p: number): boolean[] {
  const t = percentile(map, p);
  return Array.from(map, (v) => v > t);
}

/** |∩ Ω_r| and |∪ Ω_r| of the supports (Eq. 6–7): J is their ratio. */
export function supportCounts(supports: readonly boolean[][]): { intersection: number; union: number } {
  let intersection = 0;
  let union = 0;
  if (supports.length === 0) return { intersection, union };
  for (let i = 0; i < supports[0].length; i++) {
    let all = true;
    let any = false;
    for (const s of supports) {
      all &&= s[i];
      any ||= s[i];
    }
    if (all) intersection++;
    if (any) union++;
  }
  return { intersection, union };
}

/** J = |∩ Ω_r| / |∪ Ω_r|; 0 when the union is empty (or there is no support at all). */
export function jaccard(supports: readonly boolean[][]): number {
  const { intersection, union } = supportCounts(supports);
  return union === 0 ? 0 : intersection / union;
}

export interface Consistency {
  /** Indices (into the weight array) of the top-k tokens, highest first. */
  topK: number[];
  supports: boolean[][];
  jaccard: number;
}

/**
 * The consistency of one answer: the top-k tokens' supports and their
 * Jaccard index. 0 when fewer than two tokens have w > 0.
 */
export function consistency(
  maps: readonly ArrayLike<number>[],
  w: ArrayLike<number>,
  k: number,
  supportPercentile = 95,
): Consistency {
  const top = topK(w, k);
  const supports = top.map((r) => support(maps[r], supportPercentile));
  let positive = 0;
  for (let i = 0; i < w.length; i++) if (w[i] > 0) positive++;
  return { topK: top, supports, jaccard: positive < 2 ? 0 : jaccard(supports) };
}

/** R_cons = y·1{J > δ1} + (1 − y)·1{J < δ2} (Eq. 7); y = 1 anomalous, 0 normal. */
export function consistencyReward(label: 0 | 1, j: number, delta1 = 0.3, delta2 = 0.1): number {
  return label === 1 ? (j > delta1 ? 1 : 0) : j < delta2 ? 1 : 0;
}

const FORMAT = /^\s*<think>[\s\S]*<\/think>\s*<answer>[\s\S]*<\/answer>\s*$/;

/** R_fmt: 1 when the answer is `<think>…</think><answer>…</answer>`, else 0. */
export function formatReward(text: string): number {
  return FORMAT.test(text) ? 1 : 0;
}

/** The yes/no inside `<answer>…</answer>` (or the whole text), or null if neither. */
export function parseAnswer(text: string): 0 | 1 | null {
  // Raw token text may carry SentencePiece/byte-level space markers.
  const m = /<answer>([\s\S]*?)(<\/answer>|$)/.exec(text.replace(/[▁Ġ]/g, ' '));
  const inner = (m ? m[1] : text).trim().toLowerCase();
  if (/^yes\b/.test(inner)) return 1;
  if (/^no\b/.test(inner)) return 0;
  return null;
}

/** R_acc: 1 when the parsed yes/no answer equals the label. */
export function accuracyReward(text: string, label: 0 | 1): number {
  return parseAnswer(text) === label ? 1 : 0;
}

/** R = R_fmt + R_acc + R_cons (Eq. 8). */
export function totalReward(parts: { format: number; accuracy: number; consistency: number }): number {
  return parts.format + parts.accuracy + parts.consistency;
}

/**
 * a_i = (r_i − mean) / std over a group of G answers (Eq. 10), population
 * std; every advantage is 0 when std is 0.
 */
export function groupAdvantages(rewards: readonly number[]): number[] {
  const n = rewards.length;
  if (n === 0) return [];
  const m = rewards.reduce((a, b) => a + b, 0) / n;
  const variance = rewards.reduce((a, r) => a + (r - m) ** 2, 0) / n;
  const std = Math.sqrt(variance);
  return rewards.map((r) => (std === 0 ? 0 : (r - m) / std));
}
