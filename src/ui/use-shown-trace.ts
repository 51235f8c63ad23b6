import { useMemo } from 'react';
import { withView, type AnyTrace } from '../real';
import { useAppStore } from './store';
import { useImage } from './use-image';

/**
 * The trace as the view the user chose (trace-format.md version 2): the
 * default view unless a tile or the global image was picked. Scoring a view
 * is scoring this copy, whose grid and image positions are the view's.
 */
const copies = new WeakMap<AnyTrace, Map<string, AnyTrace>>();

export function traceInView(trace: AnyTrace | null, name: string | null): AnyTrace | null {
  if (!trace || name === null || !trace.views?.some((v) => v.name === name)) return trace;
  let byName = copies.get(trace);
  if (!byName) copies.set(trace, (byName = new Map()));
  let copy = byName.get(name);
  if (!copy) byName.set(name, (copy = withView(trace, name)));
  return copy;
}

export function useShownTrace(): AnyTrace | null {
  const trace = useAppStore((s) => s.run.trace);
  const name = useAppStore((s) => s.view.viewName);
  return useMemo(() => traceInView(trace, name), [trace, name]);
}

/** The region of the image the shown grid covers, [x0, y0, x1, y1] as fractions of the image; the whole image by default. */
export function useShownBox(): [number, number, number, number] {
  const trace = useAppStore((s) => s.run.trace);
  const name = useAppStore((s) => s.view.viewName);
  // Boxes are in the original image's pixels: its size from the trace, else from the image itself (a live run).
  const shown = useImage(useAppStore((s) => s.run.imageUrl));
  return useMemo(() => {
    const img = typeof trace?.image === 'object' ? trace.image : null;
    const width = img?.width ?? shown?.naturalWidth ?? 0;
    const height = img?.height ?? shown?.naturalHeight ?? 0;
    const view = name === null ? undefined : trace?.views?.find((v) => v.name === name);
    const box = view?.box ?? img?.box;
    if (!box || !(width > 0) || !(height > 0)) return [0, 0, 1, 1];
    const clamp = (v: number) => Math.min(1, Math.max(0, v));
    return [clamp(box[0] / width), clamp(box[1] / height), clamp(box[2] / width), clamp(box[3] / height)];
  }, [trace, name, shown]);
}
