/**
 * Where a bright square must go for the tiny repos' planted attention to
 * land on a chosen cell of the default view: a dark image with the square
 * covering that cell's box. The grid sizes are computed here from the tiny
 * repos' preprocessor settings with the processors' published rules
 * (smart_resize; Idefics3's longest-edge resize and 512-px tiles; Gemma 3's
 * plain 896 × 896 resize), independently of the app's adapters.
 */
import { PNG } from 'pngjs';
import type { TinyFamily } from './tiny-repo';

export interface TinyGrid {
  /** The default view's rows and columns (SmolVLM: the tiles stitched into one grid). */
  rows: number;
  cols: number;
  /** The image size patches or tiles are cut from. */
  resized: { width: number; height: number };
  /** Idefics3 / SmolVLM: the tile grid (each tile is 8 × 8 cells), then one global image of 8 × 8. */
  tiles?: { rows: number; cols: number };
}

/**
 * transformers.js's smart_resize (Math.round; sides below `factor` scaled up first), written again here
 * on purpose: the tests check the adapter's grid against this independent copy, not against itself.
 */
export function smartResize(
  height: number,
  width: number,
  factor: number,
  minPixels: number,
  maxPixels: number,
) {
  let h = height;
  let w = width;
  if (h < factor || w < factor) {
    const s = Math.max(factor / h, factor / w);
    h = Math.round(h * s);
    w = Math.round(w * s);
  }
  let hb = Math.round(h / factor) * factor;
  let wb = Math.round(w / factor) * factor;
  if (hb * wb > maxPixels) {
    const beta = Math.sqrt((h * w) / maxPixels);
    hb = Math.max(factor, Math.floor(h / beta / factor) * factor);
    wb = Math.max(factor, Math.floor(w / beta / factor) * factor);
  } else if (hb * wb < minPixels) {
    const beta = Math.sqrt(minPixels / (h * w));
    hb = Math.ceil((h * beta) / factor) * factor;
    wb = Math.ceil((w * beta) / factor) * factor;
  }
  return { width: wb, height: hb };
}

/** The default view's grid for a `width × height` image in the tiny repo of `family`. */
export function tinyGrid(family: TinyFamily, width: number, height: number): TinyGrid {
  switch (family) {
    case 'qwen2_vl':
    case 'qwen2_5_vl': {
      const resized = smartResize(height, width, 28, 56 * 56, 224 * 224);
      return { rows: resized.height / 28, cols: resized.width / 28, resized };
    }
    case 'qwen3_5':
    case 'qwen3_5_hybrid': {
      const resized = smartResize(height, width, 32, 256 * 256, 256 * 256);
      return { rows: resized.height / 32, cols: resized.width / 32, resized };
    }
    case 'idefics3':
    case 'smolvlm': {
      // Longest edge to 1024 (floor of the 2-decimal rounding), then each side up to a multiple of 512.
      const f = Math.min(1024 / width, 1024 / height);
      const rw = Math.floor(Number((width * f).toFixed(2)));
      const rh = Math.floor(Number((height * f).toFixed(2)));
      const aspect = rw / rh;
      let tw: number;
      let th: number;
      if (rw >= rh) {
        tw = Math.ceil(rw / 512) * 512;
        th = Math.ceil(Math.floor(tw / aspect) / 512) * 512;
      } else {
        th = Math.ceil(rh / 512) * 512;
        tw = Math.ceil(Math.floor(th * aspect) / 512) * 512;
      }
      const tiles = { rows: th / 512, cols: tw / 512 };
      return { rows: tiles.rows * 8, cols: tiles.cols * 8, resized: { width: tw, height: th }, tiles };
    }
    case 'gemma3':
      return { rows: 16, cols: 16, resized: { width: 896, height: 896 } };
  }
}

/** A cell's box in the original image's pixels, `[x0, x1) × [y0, y1)`: the whole image is stretched onto the grid. */
export function cellBox(
  grid: Pick<TinyGrid, 'rows' | 'cols'>,
  width: number,
  height: number,
  row: number,
  col: number,
) {
  if (row < 0 || row >= grid.rows || col < 0 || col >= grid.cols)
    throw new Error(`cell (${row}, ${col}) is outside the ${grid.rows} × ${grid.cols} grid`);
  return {
    x0: Math.ceil((col * width) / grid.cols),
    x1: Math.floor(((col + 1) * width) / grid.cols),
    y0: Math.ceil((row * height) / grid.rows),
    y1: Math.floor(((row + 1) * height) / grid.rows),
  };
}

export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A dark grey image with a white box `[x0, x1) × [y0, y1)`. */
export function brightSquareImage(
  width: number,
  height: number,
  box: { x0: number; x1: number; y0: number; y1: number },
  shades = { background: 16, square: 255 },
): Rgba {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1 ? shades.square : shades.background;
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  }
  return { width, height, data };
}

/**
 * The planted image for cell (row, col) of the default view: its grid, the
 * square's box and the cell's index (row-major) in the default view. For
 * SmolVLM the square also shows in the global image, but covers only part of
 * a global cell there, so the tile cell stays the brightest image token.
 */
export function plantedImage(family: TinyFamily, width: number, height: number, row: number, col: number) {
  const grid = tinyGrid(family, width, height);
  const box = cellBox(grid, width, height, row, col);
  if (box.x1 - box.x0 < 2 || box.y1 - box.y0 < 2)
    throw new Error(
      `a ${width}×${height} image is too small for a square on a ${grid.rows} × ${grid.cols} grid`,
    );
  return { image: brightSquareImage(width, height, box), grid, box, cell: row * grid.cols + col };
}

/** An RGBA image as PNG file bytes (for `real run IMAGE` and the app's file input). */
export function pngBytes(img: Rgba): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return new Uint8Array(PNG.sync.write(png));
}
