import { useMemo } from 'react';
import type { AnyTrace, PreparedTrace, RealScore, RealSettings } from '../../../real';
import { useAppStore } from '../../store';
import { usePrepared, useScore } from '../../use-scores';
import { useShownTrace } from '../../use-shown-trace';

/** What every step reads: the shown run, its prepared scores, and the token the steps work on. */
export interface Explained {
  trace: AnyTrace;
  prepared: PreparedTrace;
  score: RealScore;
  settings: RealSettings;
  /** The chosen token (index into trace.generated): the selected token if it is a reasoning token, else ReAL's top one. */
  chosen: number | null;
  /** Its index among the reasoning tokens (into prepared.maps, score.tokens). */
  r: number;
}

export function useExplained(): Explained | null {
  const trace = useShownTrace();
  const { prepared } = usePrepared();
  const score = useScore();
  const settings = useAppStore((s) => s.view.settings);
  const selected = useAppStore((s) => s.view.selected);
  return useMemo(() => {
    if (!trace || !prepared || !score) return null;
    const chosen =
      selected !== null && prepared.reasoning.includes(selected)
        ? selected
        : (score.consistency.topK[0] ?? prepared.reasoning[0] ?? null);
    return {
      trace,
      prepared,
      score,
      settings,
      chosen,
      r: chosen === null ? -1 : prepared.reasoning.indexOf(chosen),
    };
  }, [trace, prepared, score, settings, selected]);
}

/** A number as shown in the walkthrough: four significant digits, the exact value in data-value for tests. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e4 ? String(Number(x.toPrecision(4))) : x.toExponential(3);
}
