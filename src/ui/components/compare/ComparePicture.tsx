import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { drawContour } from '../../contours';
import { canvasSize, drawMap } from '../../draw-map';
import { maskBits } from '../../run-set/figure';
import type { ColorMap } from '../../store';
import { useImage } from '../../use-image';
import type { Box } from '../../compare/diff';

export const PICTURE = 320;

/** A mask URL's bits, once decoded (null meanwhile, or without one). */
export function useMask(url: string | null) {
  const [mask, setMask] = useState<{ url: string; m: Awaited<ReturnType<typeof maskBits>> } | null>(null);
  useEffect(() => {
    if (!url) return;
    let live = true;
    void maskBits(url).then((m) => live && setMask({ url, m }));
    return () => {
      live = false;
    };
  }, [url]);
  return mask && mask.url === url ? mask.m : null;
}

/** One side's image with its map over its region and the mask outlined in white. */
export function ComparePicture({
  imageUrl,
  maskUrl,
  map,
  grid,
  box,
  range,
  colorMap,
  opacity,
  label,
  testId,
}: {
  imageUrl: string | null;
  maskUrl: string | null;
  map: ArrayLike<number> | null;
  grid: { rows: number; cols: number };
  box: Box;
  range: [number, number] | null;
  colorMap: ColorMap;
  opacity: number;
  label: string;
  testId: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useImage(imageUrl);
  const mask = useMask(maskUrl);
  const { width, height } = canvasSize(image, PICTURE);
  useLayoutEffect(() => {
    const ctx = canvas.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    drawMap(ctx, { width, height }, image, map, grid, colorMap, opacity, range ?? undefined, box);
    if (mask) {
      ctx.setTransform(width / PICTURE, 0, 0, height / PICTURE, 0, 0);
      drawContour(ctx, mask.bits, mask.width, mask.height, 0.5, PICTURE, '#ffffff');
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
  }, [image, mask, map, grid, box, range, colorMap, opacity, width, height]);
  return (
    <canvas ref={canvas} width={width} height={height} role="img" aria-label={label} data-testid={testId} />
  );
}
