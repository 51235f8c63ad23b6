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

/** The image's pixels at a size, kept so a redraw does not read the canvas back. */
const basePixels = new WeakMap<HTMLImageElement, Map<number, Uint8ClampedArray>>();

/** Black pixels for a run without an image, one buffer per size (never written to). */
const blank = new Map<number, Uint8ClampedArray>();

function imageAt(image: HTMLImageElement | null, size: number): Uint8ClampedArray {
  if (!image) {
    let px = blank.get(size);
    if (!px) blank.set(size, (px = new Uint8ClampedArray(size * size * 4)));
    return px;
  }
  let bySize = basePixels.get(image);
  if (!bySize) basePixels.set(image, (bySize = new Map()));
  let px = bySize.get(size);
  if (!px) {
    const c = document.createElement('canvas');
    c.width = c.height = size;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image, 0, 0, size, size);
    px = ctx.getImageData(0, 0, size, size).data;
    bySize.set(size, px);
  }
  return px;
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
  const base = imageAt(image, size);
  const out = new ImageData(size, size);
  const d = out.data;
  if (!map || !range) {
    d.set(base);
    if (!image) d.fill(0);
    ctx.putImageData(out, 0, 0);
    return;
  }
  const heat = resizeBilinear(map, grid.rows, grid.cols, size, size);
  const colors = lut(colorMap);
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const keep = 1 - opacity;
  // The colour table times the opacity, once per draw (the same products the loop would take per pixel).
  const tint = new Float64Array(colors.length);
  for (let k = 0; k < colors.length; k++) tint[k] = colors[k] * opacity;
  for (let i = 0, j = 0; i < heat.length; i++, j += 4) {
    const q = Math.round((heat[i] - lo) * scale);
    const k = (q < 0 ? 0 : q > 255 ? 255 : q) * 3;
    d[j] = base[j] * keep + tint[k];
    d[j + 1] = base[j + 1] * keep + tint[k + 1];
    d[j + 2] = base[j + 2] * keep + tint[k + 2];
    d[j + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
}
