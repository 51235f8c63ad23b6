import type { RealSettings, ThresholdRule } from '../../real';

/**
 * Where the settings a run set was scored with differ from the app's, in
 * the words the settings panel uses, so the gallery can say why a tile's
 * numbers are not what the inspector shows for the same run.
 */

const rule = (t: ThresholdRule) => (t.rule === 'fixed' ? `fixed ${t.value}` : t.rule);

const FIELDS: [string, (s: RealSettings) => string][] = [
  ['α', (s) => String(s.alpha)],
  ['β', (s) => String(s.beta)],
  ['k', (s) => String(s.k)],
  ['layers', (s) => (s.layers ? `${s.layers.from}–${s.layers.to}` : 'all')],
  ['row reading', (s) => s.rowReading],
  ['anomaly words', (s) => s.anomalyWords.join(', ')],
  ['τ_T', (s) => rule(s.tauT)],
  ['τ_I', (s) => rule(s.tauI)],
  ['support percentile', (s) => String(s.supportPercentile)],
  ['δ1', (s) => String(s.delta1)],
  ['δ2', (s) => String(s.delta2)],
];

/** Each setting that differs: `name set's value (app: value)`; empty when they agree. */
export function settingsDiff(set: RealSettings, app: RealSettings): string[] {
  const out: string[] = [];
  for (const [name, show] of FIELDS) {
    const a = show(set);
    const b = show(app);
    if (a !== b) out.push(`${name} ${a} (app: ${b})`);
  }
  return out;
}
