import { useEffect, useRef, useState } from 'react';
import { resizeBilinear } from '../../real';
import { drawContour } from '../contours';
import { valueRange } from '../draw-map';
import { binaryMask, imagePixels } from '../image-pixels';
import { useAppStore } from '../store';

const PRED = 96;

/**
 * Outlines over the map (anomalib's convention): the ground-truth mask in
 * white, the shown map thresholded in red.
 */
export function ContourOverlay({ map, size }: { map: ArrayLike<number> | null; size: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const maskUrl = useAppStore((s) => s.run.maskUrl);
  const grid = useAppStore((s) => s.run.trace?.grid);
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
    ctx.clearRect(0, 0, size, size);
    if (showMask && mask && mask.url === maskUrl)
      drawContour(ctx, mask.bits, mask.width, mask.height, 0.5, size, '#ffffff');
    if (showPrediction && map && grid) {
      const [lo, hi] = valueRange(map);
      if (hi > lo) {
        const up = resizeBilinear(map, grid.rows, grid.cols, PRED, PRED);
        const cut = lo + predictionThreshold * (hi - lo);
        drawContour(ctx, up, PRED, PRED, cut, size, '#ff2020');
      }
    }
  }, [mask, maskUrl, map, grid, showMask, showPrediction, predictionThreshold, size]);

  return (
    <canvas ref={canvas} width={size} height={size} className="overlay" data-testid="attention.contours" />
  );
}
