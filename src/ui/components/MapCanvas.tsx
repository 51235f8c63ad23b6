import { useLayoutEffect, useRef } from 'react';
import { canvasSize, drawMap } from '../draw-map';
import { useAppStore } from '../store';
import { useImage } from '../use-image';
import { useShownBox, useShownTrace } from '../use-shown-trace';

/**
 * One map over the run's image, at the image's aspect ratio, in the view's
 * colour map and opacity; the map covers the region of the image its view
 * covers (a tile's box, or the whole image).
 */
export function MapCanvas({
  map,
  size,
  testId,
  range = null,
  label = 'An attention map drawn over the image',
}: {
  map: ArrayLike<number> | null;
  /** The canvas's long side, in pixels. */
  size: number;
  testId: string;
  /** Colour range; min–max of the map when not given. */
  range?: [number, number] | null;
  /** What the map shows, in words: the canvas's accessible name. */
  label?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useImage(useAppStore((s) => s.run.imageUrl));
  const grid = useShownTrace()?.grid;
  const box = useShownBox();
  const colorMap = useAppStore((s) => s.view.colorMap);
  const opacity = useAppStore((s) => s.view.opacity);
  const { width, height } = canvasSize(image, size);
  // A layout effect draws before the browser paints, not a frame later.
  useLayoutEffect(() => {
    const ctx = canvas.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx || !grid) return;
    drawMap(ctx, { width, height }, image, map, grid, colorMap, opacity, range ?? undefined, box);
    // bench/ui-bench.ts times input → drawn map by this mark.
    performance.mark('real:map-drawn', { detail: testId });
  }, [image, map, grid, colorMap, opacity, width, height, testId, range, box]);
  return (
    <canvas ref={canvas} width={width} height={height} role="img" aria-label={label} data-testid={testId} />
  );
}
