import { useLayoutEffect, useMemo, useRef } from 'react';
import type { Difference } from '../../compare/diff';
import { divergingColour, drawDifference } from '../../compare/draw-diff';
import { canvasSize } from '../../draw-map';
import { useImage } from '../../use-image';
import { PICTURE, useMask } from './ComparePicture';
import { drawContour } from '../../contours';
import { WHOLE, type Box } from '../../compare/diff';

/** B − A, drawn over the image (blue: A higher, red: B higher), with what it is in words. */
export function DiffPane({
  diff,
  box,
  imageUrl,
  maskUrl,
  opacity,
  what,
}: {
  diff: Difference;
  /** The shared grid's region when the difference is on a grid. */
  box: Box;
  imageUrl: string | null;
  maskUrl: string | null;
  opacity: number;
  /** The two maps, in words. */
  what: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const image = useImage(imageUrl);
  const mask = useMask(maskUrl);
  const { width, height } = canvasSize(image, PICTURE);
  useLayoutEffect(() => {
    const ctx = canvas.current?.getContext('2d', { willReadFrequently: true });
    if (!ctx) return;
    drawDifference(
      ctx,
      { width, height },
      image,
      diff.values,
      { rows: diff.rows, cols: diff.cols },
      diff.maxAbs,
      Math.max(opacity, 0.6),
      diff.on === 'grid' ? box : WHOLE,
    );
    if (mask) {
      ctx.setTransform(width / PICTURE, 0, 0, height / PICTURE, 0, 0);
      drawContour(ctx, mask.bits, mask.width, mask.height, 0.5, PICTURE, '#111111');
      ctx.setTransform(1, 0, 0, 1, 0, 0);
    }
  }, [image, mask, diff, box, opacity, width, height]);
  const stops = useMemo(
    () => Array.from({ length: 11 }, (_, i) => `${divergingColour(i / 10)} ${i * 10}%`).join(', '),
    [],
  );
  const where =
    diff.on === 'grid'
      ? `on their shared ${diff.rows} × ${diff.cols} grid`
      : 'over the image: the grids differ, so each map is upsampled onto the image first';
  return (
    <section
      className="panel compare-pane"
      aria-label="The difference B − A"
      data-testid="compare.diff"
      data-on={diff.on}
    >
      <h2>B − A</h2>
      <p className="hint" data-testid="compare.diff.what">
        {what}, {where}.
      </p>
      <canvas
        ref={canvas}
        width={width}
        height={height}
        role="img"
        aria-label={`The difference B − A of ${what}, ${where}; blue where A is higher, red where B is; the mask outlined in black`}
        data-testid="compare.diff.canvas"
      />
      <div className="legend">
        <span>−{diff.maxAbs.toExponential(2)}</span>
        <div className="legend-bar" style={{ background: `linear-gradient(to right, ${stops})` }} />
        <span>+{diff.maxAbs.toExponential(2)}</span>
      </div>
      <p className="hint">
        Blue: A higher; red: B higher; the image shows through where they agree. The mask is outlined in
        black.
      </p>
    </section>
  );
}
