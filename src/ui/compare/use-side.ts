import { useMemo } from 'react';
import {
  layerCount,
  meanAtPositions,
  resolveLayers,
  rowsForToken,
  scorePrepared,
  type AnyTrace,
  type RealScore,
  type RealSettings,
} from '../../real';
import { valueRange } from '../draw-map';
import { useAppStore } from '../store';
import { findToken, WHOLE, type Box } from './diff';
import { useCompare, type CompareSide, type Side } from './compare-store';

/** A token's grid map: its layer-mean row at the image cells (as the inspector computes it). */
export function tokenMap(
  trace: AnyTrace,
  index: number,
  s: Pick<RealSettings, 'layers' | 'rowReading'>,
): Float64Array | null {
  try {
    return meanAtPositions(
      rowsForToken(trace, index, s.rowReading),
      Int32Array.from(trace.imagePositions),
      resolveLayers(s.layers, layerCount(trace)),
    );
  } catch {
    return null;
  }
}

/** The default view's region of the image, as fractions of it. */
export function traceBox(trace: AnyTrace): Box {
  const img = typeof trace.image === 'object' ? trace.image : null;
  if (!img?.box || !(img.width > 0) || !(img.height > 0)) return WHOLE;
  const c = (v: number) => Math.min(1, Math.max(0, v));
  return [
    c(img.box[0] / img.width),
    c(img.box[1] / img.height),
    c(img.box[2] / img.width),
    c(img.box[3] / img.height),
  ];
}

export interface SideView {
  side: CompareSide;
  score: RealScore | null;
  /** The shown token's index on this side: the shared choice found here, or null (the ReAL map). */
  index: number | null;
  /** A token is chosen, and this side has no token of that text at that place. */
  missing: boolean;
  map: Float64Array | null;
  range: [number, number] | null;
  box: Box;
}

/** What one side shows, for the app's settings and the shared token choice. */
export function useSide(which: Side): SideView | null {
  const side = useCompare((s) => s.sides[which]);
  const selection = useCompare((s) => s.selection);
  const settings = useAppStore((s) => s.view.settings);
  const score = useMemo(
    () => (side?.prepared ? scorePrepared(side.prepared, settings) : null),
    [side, settings],
  );
  return useMemo(() => {
    if (!side) return null;
    const index = selection ? findToken(side.trace.generated, selection) : null;
    const tok = index !== null ? tokenMap(side.trace, index, settings) : null;
    const map = tok ?? (score ? Float64Array.from(score.map) : null);
    return {
      side,
      score,
      index,
      missing: selection !== null && index === null,
      map,
      range: map ? valueRange(map) : null,
      box: traceBox(side.trace),
    };
  }, [side, selection, settings, score]);
}
