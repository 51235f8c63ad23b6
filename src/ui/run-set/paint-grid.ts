import { lut } from '../colormaps';
import type { ColorMap } from '../store';

/**
 * A grid map painted one pixel per cell, in a colour map, min–max over
 * [lo, hi] (the map's own range unless given); the canvas is scaled up by
 * CSS, whose smoothing upsamples it bilinearly, so a tile costs rows × cols
 * pixels to paint, not the tile's.
 */
export function paintGrid(
  canvas: HTMLCanvasElement,
  map: ArrayLike<number>,
  rows: number,
  cols: number,
  colorMap: ColorMap,
  range?: [number, number],
): void {
  if (canvas.width !== cols) canvas.width = cols;
  if (canvas.height !== rows) canvas.height = rows;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  let lo = range?.[0] ?? Infinity;
  let hi = range?.[1] ?? -Infinity;
  if (!range)
    for (let i = 0; i < map.length; i++) {
      lo = Math.min(lo, map[i]);
      hi = Math.max(hi, map[i]);
    }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const colors = lut(colorMap);
  const img = ctx.createImageData(cols, rows);
  for (let i = 0; i < rows * cols; i++) {
    const q = Math.round((map[i] - lo) * scale);
    const k = (q < 0 ? 0 : q > 255 ? 255 : q) * 3;
    img.data[i * 4] = colors[k];
    img.data[i * 4 + 1] = colors[k + 1];
    img.data[i * 4 + 2] = colors[k + 2];
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
