import { interpolateRdBu, rgb } from 'd3';
import { resizeBilinear } from '../../real';
import { boxPixels } from '../draw-map';
import type { Box } from './diff';

let table: Uint8Array | null = null;

/** 256 colours from blue (A higher) through white to red (B higher): RdBu, reversed. */
function diverging(): Uint8Array {
  if (table) return table;
  table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = rgb(interpolateRdBu(1 - i / 255));
    table[i * 3] = c.r;
    table[i * 3 + 1] = c.g;
    table[i * 3 + 2] = c.b;
  }
  return table;
}

export const divergingColour = (t: number) => interpolateRdBu(1 - t);

/**
 * The difference B − A over the image: its values (a grid over `box`, or a
 * frame of the whole image) upsampled bilinearly to the canvas, coloured on
 * [−maxAbs, maxAbs], blended at up to `opacity` (in proportion to |B − A|, so
 * where the maps agree the image shows); pixels where it is not defined
 * (NaN: only one run covers them) show the image alone.
 */
export function drawDifference(
  ctx: CanvasRenderingContext2D,
  size: { width: number; height: number },
  image: HTMLImageElement | null,
  values: ArrayLike<number>,
  grid: { rows: number; cols: number },
  maxAbs: number,
  opacity: number,
  box: Box,
): void {
  const { width, height } = size;
  ctx.clearRect(0, 0, width, height);
  if (image) ctx.drawImage(image, 0, 0, width, height);
  else {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, width, height);
  }
  const out = ctx.getImageData(0, 0, width, height);
  const d = out.data;
  const b = boxPixels(box, width, height);
  const up = resizeBilinear(values, grid.rows, grid.cols, b.h, b.w);
  const colors = diverging();
  const scale = maxAbs > 0 ? 127.5 / maxAbs : 0;
  for (let y = 0, i = 0; y < b.h; y++) {
    const row = y + b.y0;
    for (let x = 0; x < b.w; x++, i++) {
      const col = x + b.x0;
      const v = up[i];
      if (row < 0 || row >= height || col < 0 || col >= width || !Number.isFinite(v)) continue;
      const q = Math.round(127.5 + v * scale);
      const k = (q < 0 ? 0 : q > 255 ? 255 : q) * 3;
      const j = (row * width + col) * 4;
      // As opaque as the difference is large: where the maps agree, the image shows through.
      const a = maxAbs > 0 ? opacity * Math.min(1, Math.abs(v) / maxAbs) : 0;
      d[j] = d[j] * (1 - a) + colors[k] * a;
      d[j + 1] = d[j + 1] * (1 - a) + colors[k + 1] * a;
      d[j + 2] = d[j + 2] * (1 - a) + colors[k + 2] * a;
    }
  }
  ctx.putImageData(out, 0, 0);
}
