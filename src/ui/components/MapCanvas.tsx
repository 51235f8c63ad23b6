import { useLayoutEffect, useRef } from 'react';
import { drawMap } from '../draw-map';
import { useAppStore } from '../store';
import { useImage } from '../use-image';

/** One map over the run's image, in the view's colour map and opacity. */
export function MapCanvas({
  map,
  size,
  testId,
  range = null,
}: {
  map: ArrayLike<number> | null;
  size: number;
  testId: string;
  /** Colour range; min–max of the map when not given. */
  range?: [number, number] | null;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useImage(useAppStore((s) => s.run.imageUrl));
  const grid = useAppStore((s) => s.run.trace?.grid);
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  // A layout effect draws before the browser paints, not a frame later.
  useLayoutEffect(() => {
    const ctx = canvas.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx || !grid) return;
    drawMap(ctx, size, image, map, grid, colorMap, opacity, range ?? undefined);
    // bench/ui-bench.ts times input → drawn map by this mark.
    performance.mark('real:map-drawn', { detail: testId });
  }, [image, map, grid, colorMap, opacity, size, testId, range]);
  return <canvas ref={canvas} width={size} height={size} data-testid={testId} />;
}
