import { resizeBilinear } from '../real';
import { lut } from './colormaps';
import type { ColorMap } from './store';

export function valueRange(map: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    lo = Math.min(lo, map[i]);
    hi = Math.max(hi, map[i]);
  }
  return [lo, hi];
}

/**
 * Paints the image, then the grid map over it: bilinear upsampling, colours
 * over [lo, hi] (min–max of the map unless a fixed range is given), blended
 * at `opacity`.
 */
export function drawMap(
  ctx: CanvasRenderingContext2D,
  size: number,
  image: HTMLImageElement | null,
  map: ArrayLike<number> | null,
  grid: { rows: number; cols: number },
  colorMap: ColorMap,
  opacity: number,
  range: [number, number] | null = map ? valueRange(map) : null,
): void {
  ctx.clearRect(0, 0, size, size);
  if (image) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image, 0, 0, size, size);
  }
  if (!map || !range) return;
  const heat = resizeBilinear(map, grid.rows, grid.cols, size, size);
  const colors = lut(colorMap);
  const pixels = ctx.getImageData(0, 0, size, size);
  const d = pixels.data;
  const [lo, hi] = range;
  const span = hi - lo;
  for (let i = 0; i < heat.length; i++) {
    const t = span > 0 ? (heat[i] - lo) / span : 0;
    const k = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
    d[i * 4] = d[i * 4] * (1 - opacity) + colors[k] * opacity;
    d[i * 4 + 1] = d[i * 4 + 1] * (1 - opacity) + colors[k + 1] * opacity;
    d[i * 4 + 2] = d[i * 4 + 2] * (1 - opacity) + colors[k + 2] * opacity;
    d[i * 4 + 3] = 255;
  }
  ctx.putImageData(pixels, 0, 0);
}
