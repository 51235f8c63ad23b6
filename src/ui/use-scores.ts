import { useMemo } from 'react';
import {
  meanAtPositions,
  prepareTrace,
  resolveLayers,
  rowsForToken,
  scorePrepared,
  layerCount,
  type PreparedTrace,
  type RealScore,
  type AnyTrace,
  type RealSettings,
} from '../real';
import { useAppStore } from './store';
import { isWorkerTrace, useTraceWorker } from './trace-client';
import { useShownTrace } from './use-shown-trace';

/**
 * The method over the current trace, recomputed only when its inputs change:
 * preparing (per-token maps, S_T, S_I) depends on the layers, the row reading
 * and the anomaly words; scoring on α, β, k and the thresholds.
 *
 * A dozen components read these. Each keeps its own useMemo, so the work
 * itself is cached once, here, by the identity of its inputs: the first
 * component to ask computes, the others get the same result.
 */
function memoLast<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; value: R } | null = null;
  return (...args: A) => {
    if (last && args.every((a, i) => Object.is(a, last!.args[i]))) return last.value;
    const value = fn(...args);
    last = { args, value };
    return value;
  };
}

const prepareShared = memoLast(
  (
    trace: AnyTrace | null,
    _version: number, // tokens stream into the same trace object
    layers: RealSettings['layers'],
    rowReading: RealSettings['rowReading'],
    anomalyWords: RealSettings['anomalyWords'],
  ): { prepared: PreparedTrace | null; error: string | null } => {
    if (!trace || trace.generated.length === 0) return { prepared: null, error: null };
    try {
      return { prepared: prepareTrace(trace, { layers, rowReading, anomalyWords }), error: null };
    } catch (e) {
      return { prepared: null, error: (e as Error).message };
    }
  },
);

const scoreShared = memoLast((prepared: PreparedTrace | null, settings: RealSettings) =>
  prepared ? scorePrepared(prepared, settings) : null,
);

/**
 * While a run streams, preparing the whole trace again for every token
 * would cost the page O(tokens²) over a long real-model run: it is redone at
 * most every LIVE_PREPARE_MS (the last result shown meanwhile), and once
 * more when the run ends.
 */
export const LIVE_PREPARE_MS = 250;
let livePrepared: { trace: AnyTrace; version: number; at: number } | null = null;

function throttledVersion(trace: AnyTrace | null, version: number, running: boolean): number {
  if (!trace || !running) return version;
  const now = performance.now();
  if (livePrepared?.trace === trace && now - livePrepared.at < LIVE_PREPARE_MS) return livePrepared.version;
  livePrepared = { trace, version, at: now };
  return version;
}

export function usePrepared(): { prepared: PreparedTrace | null; error: string | null } {
  const trace = useShownTrace();
  const running = useAppStore((s) => s.run.status === 'running');
  const version = throttledVersion(
    trace,
    useAppStore((s) => s.run.version),
    running,
  );
  const { layers, rowReading, anomalyWords } = useAppStore((s) => s.view.settings);
  // A trace opened from a file is prepared in the trace worker (the last result stays while it recomputes).
  const remote = useTraceWorker((s) => s.prepared);
  return useMemo(() => {
    if (isWorkerTrace(trace)) {
      return remote?.trace === trace
        ? { prepared: remote.prepared, error: remote.error }
        : { prepared: null, error: null };
    }
    return prepareShared(trace, version, layers, rowReading, anomalyWords);
  }, [trace, version, layers, rowReading, anomalyWords, remote]);
}

export function useScore(): RealScore | null {
  const { prepared } = usePrepared();
  const s = useAppStore((st) => st.view.settings);
  return useMemo(() => scoreShared(prepared, s), [prepared, s]);
}

/** Layer means of tokens already computed, per trace (a few hundred maps: the tokens clicked, hovered, grouped). */
const tokenMaps = new WeakMap<AnyTrace, Map<string, Float64Array>>();
const TOKEN_MAPS_KEPT = 512;

/** A token's grid map: its layer-mean row at the image cells; null when it cannot be read. */
function tokenGridMap(
  trace: AnyTrace,
  index: number,
  s: Pick<RealSettings, 'layers' | 'rowReading'>,
): Float64Array | null {
  if (!trace.generated[index]) return null;
  let cache = tokenMaps.get(trace);
  if (!cache) tokenMaps.set(trace, (cache = new Map()));
  const key = `${index} ${s.layers?.from ?? 'all'}:${s.layers?.to ?? ''} ${s.rowReading}`;
  const hit = cache.get(key);
  if (hit) return hit;
  try {
    const range = resolveLayers(s.layers, layerCount(trace));
    const map = meanAtPositions(
      rowsForToken(trace, index, s.rowReading),
      Int32Array.from(trace.imagePositions),
      range,
    );
    // Tokens stream into a live run's trace in place, but a token's rows never change once added.
    if (cache.size >= TOKEN_MAPS_KEPT) cache.delete(cache.keys().next().value!);
    cache.set(key, map);
    return map;
  } catch {
    return null;
  }
}

/** The grid map of one generated token. */
export function useTokenMap(index: number | null): Float64Array | null {
  const trace = useShownTrace();
  const version = useAppStore((s) => s.run.version);
  const { layers, rowReading } = useAppStore((s) => s.view.settings);
  return useMemo(() => {
    void version;
    return trace && index !== null ? tokenGridMap(trace, index, { layers, rowReading }) : null;
  }, [trace, version, index, layers, rowReading]);
}

/** The combined map of a group of tokens: the mean or the max, cell by cell. */
export function useGroupMap(group: number[], combine: 'mean' | 'max'): Float64Array | null {
  const trace = useShownTrace();
  const version = useAppStore((s) => s.run.version);
  const { layers, rowReading } = useAppStore((s) => s.view.settings);
  return useMemo(() => {
    void version;
    if (!trace || group.length < 2) return null;
    const maps = group.map((i) => tokenGridMap(trace, i, { layers, rowReading }));
    if (maps.some((m) => m === null)) return null;
    const cells = trace.imagePositions.length;
    const out = new Float64Array(cells);
    for (let c = 0; c < cells; c++) {
      let v = combine === 'max' ? -Infinity : 0;
      for (const m of maps) v = combine === 'max' ? Math.max(v, m![c]) : v + m![c] / maps.length;
      out[c] = v;
    }
    return out;
  }, [trace, version, group, combine, layers, rowReading]);
}
