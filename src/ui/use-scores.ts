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
} from '../real';
import { useAppStore } from './store';

/**
 * The method over the current trace, recomputed only when its inputs change:
 * preparing (per-token maps, S_T, S_I) depends on the layers, the row reading
 * and the anomaly words; scoring on α, β, k and the thresholds.
 */
export function usePrepared(): { prepared: PreparedTrace | null; error: string | null } {
  const trace = useAppStore((s) => s.run.trace);
  const version = useAppStore((s) => s.run.version);
  const { layers, rowReading, anomalyWords } = useAppStore((s) => s.view.settings);
  return useMemo(() => {
    void version; // tokens stream into the same trace object
    if (!trace || trace.generated.length === 0) return { prepared: null, error: null };
    try {
      return { prepared: prepareTrace(trace, { layers, rowReading, anomalyWords }), error: null };
    } catch (e) {
      return { prepared: null, error: (e as Error).message };
    }
  }, [trace, version, layers, rowReading, anomalyWords]);
}

export function useScore(): RealScore | null {
  const { prepared } = usePrepared();
  const s = useAppStore((st) => st.view.settings);
  return useMemo(() => (prepared ? scorePrepared(prepared, s) : null), [prepared, s]);
}

/** The grid map of one generated token (its layer-mean row at the image cells). */
export function useTokenMap(index: number | null): Float64Array | null {
  const trace = useAppStore((s) => s.run.trace);
  const version = useAppStore((s) => s.run.version);
  const { layers, rowReading } = useAppStore((s) => s.view.settings);
  return useMemo(() => {
    void version;
    if (!trace || index === null || !trace.generated[index]) return null;
    try {
      const range = resolveLayers(layers, layerCount(trace));
      return meanAtPositions(
        rowsForToken(trace, index, rowReading),
        Int32Array.from(trace.imagePositions),
        range,
      );
    } catch {
      return null;
    }
  }, [trace, version, index, layers, rowReading]);
}

/** The combined map of a group of tokens: the mean or the max, cell by cell. */
export function useGroupMap(group: number[], combine: 'mean' | 'max'): Float64Array | null {
  const trace = useAppStore((s) => s.run.trace);
  const version = useAppStore((s) => s.run.version);
  const { layers, rowReading } = useAppStore((s) => s.view.settings);
  return useMemo(() => {
    void version;
    if (!trace || group.length < 2) return null;
    try {
      const range = resolveLayers(layers, layerCount(trace));
      const cells = Int32Array.from(trace.imagePositions);
      const maps = group.map((i) => meanAtPositions(rowsForToken(trace, i, rowReading), cells, range));
      const out = new Float64Array(cells.length);
      for (let c = 0; c < cells.length; c++) {
        let v = combine === 'max' ? -Infinity : 0;
        for (const m of maps) v = combine === 'max' ? Math.max(v, m[c]) : v + m[c] / maps.length;
        out[c] = v;
      }
      return out;
    } catch {
      return null;
    }
  }, [trace, version, group, combine, layers, rowReading]);
}
