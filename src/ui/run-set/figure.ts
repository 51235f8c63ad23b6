import { drawContour } from '../contours';
import { canvasSize, drawMap } from '../draw-map';
import { binaryMask, imagePixels } from '../image-pixels';
import type { ColorMap } from '../store';

/**
 * Figures for a paper, drawn on a canvas: panels of an image with a map over
 * it and the mask's outline, with labels, laid out in a grid. The gallery's
 * selection and the side-by-side view are both made of these.
 */

export async function loadImage(url: string | null): Promise<HTMLImageElement | null> {
  if (!url) return null;
  const img = new Image();
  img.src = url;
  try {
    await img.decode();
    return img;
  } catch {
    return null;
  }
}

const masks = new Map<string, Promise<{ width: number; height: number; bits: Uint8Array } | null>>();

/** A mask image's 0/1 pixels, decoded once per URL. */
export function maskBits(url: string): Promise<{ width: number; height: number; bits: Uint8Array } | null> {
  let p = masks.get(url);
  if (!p) {
    p = imagePixels(url)
      .then((px) => ({ width: px.width, height: px.height, bits: binaryMask(px) }))
      .catch(() => null);
    if (masks.size > 64) masks.clear();
    masks.set(url, p);
  }
  return p;
}

export interface PanelSpec {
  image: HTMLImageElement | null;
  map: ArrayLike<number> | null;
  grid: { rows: number; cols: number };
  mask: { width: number; height: number; bits: Uint8Array } | null;
  colorMap: ColorMap;
  opacity: number;
  /** The colour range; the map's own min–max when absent. */
  range?: [number, number] | null;
  /** Long side, pixels. */
  size: number;
}

/** One panel: the image at its aspect ratio, the map bilinearly upsampled over it, the mask outlined in white. */
export function drawPanel(p: PanelSpec): HTMLCanvasElement {
  const { width, height } = canvasSize(p.image, p.size);
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  drawMap(ctx, { width, height }, p.image, p.map, p.grid, p.colorMap, p.opacity, p.range ?? undefined);
  if (p.mask) {
    ctx.setTransform(width / p.size, 0, 0, height / p.size, 0, 0);
    drawContour(ctx, p.mask.bits, p.mask.width, p.mask.height, 0.5, p.size, '#ffffff');
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
  return c;
}

export interface FigureCell {
  panel: HTMLCanvasElement;
  /** Lines under the panel; the first in bold. */
  lines: string[];
}

const FONT = '13px system-ui, sans-serif';
const LINE = 17;

/** Cells in a grid of `columns`, a title above, on white: the figure as a PNG Blob. */
export async function figurePng(
  title: string[],
  cells: FigureCell[],
  columns: number,
  cellSize: number,
): Promise<Blob> {
  const pad = 12;
  const lines = Math.max(1, ...cells.map((c) => c.lines.length));
  const cellH = cellSize + 6 + lines * LINE;
  const cols = Math.max(1, Math.min(columns, cells.length));
  const rows = Math.ceil(cells.length / cols);
  const head = title.length * (LINE + 2) + pad;
  const canvas = document.createElement('canvas');
  canvas.width = pad + cols * (cellSize + pad);
  canvas.height = head + rows * (cellH + pad) + pad;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#111';
  title.forEach((t, i) => {
    ctx.font = i === 0 ? `bold 15px system-ui, sans-serif` : FONT;
    ctx.fillText(t, pad, pad + 12 + i * (LINE + 2), canvas.width - 2 * pad);
  });
  cells.forEach((c, i) => {
    const x = pad + (i % cols) * (cellSize + pad);
    const y = head + Math.floor(i / cols) * (cellH + pad);
    ctx.drawImage(c.panel, x + (cellSize - c.panel.width) / 2, y + (cellSize - c.panel.height) / 2);
    c.lines.forEach((l, k) => {
      ctx.font = k === 0 ? `bold ${FONT}` : FONT;
      ctx.fillStyle = '#111';
      ctx.fillText(fitText(ctx, l, cellSize), x, y + cellSize + 6 + 12 + k * LINE);
    });
  });
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the figure could not be encoded'))),
      'image/png',
    ),
  );
}

/** Cuts a label to a width, with an ellipsis. */
function fitText(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= width) lo = mid;
    else hi = mid - 1;
  }
  return `${text.slice(0, lo)}…`;
}
