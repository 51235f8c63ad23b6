import { useEffect, useRef, useState } from 'react';
import { resizeBilinear } from '../../real';
import { drawContour } from '../contours';
import { boxPixels, canvasSize, valueRange } from '../draw-map';
import { binaryMask, imagePixels } from '../image-pixels';
import { useAppStore } from '../store';
import { useImage } from '../use-image';
import { useShownBox, useShownTrace } from '../use-shown-trace';

const PRED = 96;

/**
 * Outlines over the map (anomalib's convention): the ground-truth mask in
 * white, the shown map thresholded in red.
 */
export function ContourOverlay({ map, size }: { map: ArrayLike<number> | null; size: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const maskUrl = useAppStore((s) => s.run.maskUrl);
  const grid = useShownTrace()?.grid;
  const box = useShownBox();
  const { width, height } = canvasSize(useImage(useAppStore((s) => s.run.imageUrl)), size);
  const { showMask, showPrediction, predictionThreshold } = useAppStore((s) => s.view);
  const [mask, setMask] = useState<{ url: string; width: number; height: number; bits: Uint8Array } | null>(
    null,
  );

  useEffect(() => {
    if (!maskUrl) return;
    let live = true;
    imagePixels(maskUrl)
      .then((p) => live && setMask({ url: maskUrl, width: p.width, height: p.height, bits: binaryMask(p) }))
      .catch(() => live && setMask(null));
    return () => {
      live = false;
    };
  }, [maskUrl]);

  useEffect(() => {
    const ctx = canvas.current?.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    // drawContour draws on a size × size square: scaled onto the whole image, or onto the view's box.
    if (showMask && mask && mask.url === maskUrl) {
      ctx.setTransform(width / size, 0, 0, height / size, 0, 0);
      drawContour(ctx, mask.bits, mask.width, mask.height, 0.5, size, '#ffffff');
    }
    if (showPrediction && map && grid) {
      const [lo, hi] = valueRange(map);
      if (hi > lo) {
        const b = boxPixels(box, width, height);
        ctx.setTransform(b.w / size, 0, 0, b.h / size, b.x0, b.y0);
        const up = resizeBilinear(map, grid.rows, grid.cols, PRED, PRED);
        const cut = lo + predictionThreshold * (hi - lo);
        drawContour(ctx, up, PRED, PRED, cut, size, '#ff2020');
      }
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }, [mask, maskUrl, map, grid, box, showMask, showPrediction, predictionThreshold, size, width, height]);

  return (
    // Drawn over the map canvas, whose name says what the outlines are.
    <canvas
      ref={canvas}
      width={width}
      height={height}
      className="overlay"
      aria-hidden="true"
      data-testid="attention.contours"
    />
  );
}
