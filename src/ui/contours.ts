import { contours, geoPath } from 'd3';

/**
 * Draws the outline of `values > threshold` (a width×height grid) onto a
 * canvas of `size`×`size`: d3-contour's marching squares, scaled.
 */
export function drawContour(
  ctx: CanvasRenderingContext2D,
  values: ArrayLike<number>,
  width: number,
  height: number,
  threshold: number,
  size: number,
  color: string,
): void {
  const [shape] = contours().size([width, height]).thresholds([threshold])(Array.from(values));
  ctx.save();
  ctx.scale(size / width, size / height);
  ctx.beginPath();
  geoPath(null, ctx)(shape);
  ctx.restore();
  ctx.strokeStyle = color;
  ctx.lineWidth = 2;
  ctx.stroke();
}
