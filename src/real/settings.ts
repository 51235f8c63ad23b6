/**
 * Every choice the method leaves open, with the defaults pinned by
 * shared/spec/real-method.md. The app and the CLI show and change these;
 * the defaults must stay as the spec writes them.
 */

/** How a threshold over normalised scores is found. */
export type ThresholdRule =
  { rule: 'median' } | { rule: 'knee' } | { rule: 'mean' } | { rule: 'fixed'; value: number };

/**
 * Which attention row stands for a generated token:
 * - 'own': the row whose query is the token itself (the paper's, the default);
 * - 'producing': the row under which the token was produced (the previous
 *   position's row; the first token's is the trace's promptAttention).
 */
export type RowReading = 'own' | 'producing';

/** Inclusive layer range, counted from 0. `null` means every layer. */
export interface LayerRange {
  from: number;
  to: number;
}

export interface RealSettings {
  /** Weight of Ŝ_T in Eq. 4. */
  alpha: number;
  /** Weight of Ŝ_I in Eq. 4. */
  beta: number;
  /** Top-k tokens for the CGRO consistency (Eq. 6). */
  k: number;
  layers: LayerRange | null;
  rowReading: RowReading;
  /** Words (lower-case letters) whose prompt tokens S_T attends to (Eq. 2). */
  anomalyWords: string[];
  tauT: ThresholdRule;
  tauI: ThresholdRule;
  /** Percentile above which a cell is in a token's support (Eq. 6). */
  supportPercentile: number;
  /** R_cons thresholds (Eq. 7). */
  delta1: number;
  delta2: number;
}

export const DEFAULT_ANOMALY_WORDS: readonly string[] = [
  'defect',
  'defects',
  'anomaly',
  'anomalies',
  'abnormal',
  'anomalous',
];

export const DEFAULT_QUESTION = 'Are there any defects or anomalies in the image?';

export function defaultSettings(): RealSettings {
  return {
    alpha: 0.5,
    beta: 0.5,
    k: 3,
    layers: null,
    rowReading: 'own',
    anomalyWords: [...DEFAULT_ANOMALY_WORDS],
    tauT: { rule: 'median' },
    tauI: { rule: 'knee' },
    supportPercentile: 95,
    delta1: 0.3,
    delta2: 0.1,
  };
}

/** Defaults overridden by whatever the caller gives. */
export function withDefaults(partial: Partial<RealSettings> = {}): RealSettings {
  return { ...defaultSettings(), ...partial };
}
