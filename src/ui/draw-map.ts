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
const basePixels = new WeakMap<HTMLImageElement, Map<string, Uint8ClampedArray>>();

/** Black pixels for a run without an image, one buffer per size (never written to). */
const blank = new Map<string, Uint8ClampedArray>();

function imageAt(image: HTMLImageElement | null, width: number, height: number): Uint8ClampedArray {
  const key = `${width}x${height}`;
  if (!image) {
    let px = blank.get(key);
    if (!px) blank.set(key, (px = new Uint8ClampedArray(width * height * 4)));
    return px;
  }
  let bySize = basePixels.get(image);
  if (!bySize) basePixels.set(image, (bySize = new Map()));
  let px = bySize.get(key);
  if (!px) {
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    const ctx = c.getContext('2d', { willReadFrequently: true })!;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(image, 0, 0, width, height);
    px = ctx.getImageData(0, 0, width, height).data;
    bySize.set(key, px);
  }
  return px;
}

/** A canvas of `size` on its long side at the image's aspect ratio (square without an image). */
export function canvasSize(image: HTMLImageElement | null, size: number): { width: number; height: number } {
  const w = image?.naturalWidth || 1;
  const h = image?.naturalHeight || 1;
  return w >= h
    ? { width: size, height: Math.max(1, Math.round((size * h) / w)) }
    : { width: Math.max(1, Math.round((size * w) / h)), height: size };
}

/** A box given as fractions of the image, in whole canvas pixels (at least one). */
export function boxPixels(box: readonly number[], width: number, height: number) {
  const x0 = Math.round(box[0] * width);
  const y0 = Math.round(box[1] * height);
  return {
    x0,
    y0,
    w: Math.max(1, Math.round(box[2] * width) - x0),
    h: Math.max(1, Math.round(box[3] * height) - y0),
  };
}

/**
 * Paints the image at its aspect ratio, then the grid map over the region
 * its view covers (`box`, fractions of the image; the whole image by
 * default): bilinear upsampling, colours over [lo, hi] (min–max of the map
 * unless a fixed range is given), blended at `opacity`.
 */
export function drawMap(
  ctx: CanvasRenderingContext2D,
  size: { width: number; height: number },
  image: HTMLImageElement | null,
  map: ArrayLike<number> | null,
  grid: { rows: number; cols: number },
  colorMap: ColorMap,
  opacity: number,
  range: [number, number] | null = map ? valueRange(map) : null,
  box: readonly number[] = [0, 0, 1, 1],
): void {
  const { width, height } = size;
  const base = imageAt(image, width, height);
  const out = new ImageData(width, height);
  const d = out.data;
  d.set(base);
  if (!image) for (let j = 3; j < d.length; j += 4) d[j] = 255;
  if (!map || !range) {
    ctx.putImageData(out, 0, 0);
    return;
  }
  const b = boxPixels(box, width, height);
  const heat = resizeBilinear(map, grid.rows, grid.cols, b.h, b.w);
  const colors = lut(colorMap);
  const [lo, hi] = range;
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const keep = 1 - opacity;
  // The colour table times the opacity, once per draw (the same products the loop would take per pixel).
  const tint = new Float64Array(colors.length);
  for (let k = 0; k < colors.length; k++) tint[k] = colors[k] * opacity;
  for (let y = 0, i = 0; y < b.h; y++) {
    const row = y + b.y0;
    if (row < 0 || row >= height) {
      i += b.w;
      continue;
    }
    for (let x = 0; x < b.w; x++, i++) {
      const col = x + b.x0;
      if (col < 0 || col >= width) continue;
      const j = (row * width + col) * 4;
      const q = Math.round((heat[i] - lo) * scale);
      const k = (q < 0 ? 0 : q > 255 ? 255 : q) * 3;
      d[j] = base[j] * keep + tint[k];
      d[j + 1] = base[j + 1] * keep + tint[k + 1];
      d[j + 2] = base[j + 2] * keep + tint[k + 2];
      d[j + 3] = 255;
    }
  }
  ctx.putImageData(out, 0, 0);
}
