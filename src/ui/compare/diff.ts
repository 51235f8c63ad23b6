import { resizeBilinear } from '../../real';

/**
 * Two runs of one image compared (pure): the same token on both sides,
 * found by its text and its place among tokens of equal text, and the
 * difference of their maps, B − A, on one grid when both runs share it, or
 * over the image when their grids (or regions) differ.
 */

export interface TokenKey {
  /** The token's text, trimmed. */
  text: string;
  /** How many earlier generated tokens have the same text (0: the first). */
  occurrence: number;
}

const norm = (t: string) => t.trim() || t;

export function tokenKey(generated: readonly { text: string }[], index: number): TokenKey | null {
  const t = generated[index];
  if (!t) return null;
  const text = norm(t.text);
  let occurrence = 0;
  for (let i = 0; i < index; i++) if (norm(generated[i].text) === text) occurrence++;
  return { text, occurrence };
}

/** The index of the token with this text and place among equal texts, or null when the run has none. */
export function findToken(generated: readonly { text: string }[], key: TokenKey): number | null {
  let seen = 0;
  for (let i = 0; i < generated.length; i++)
    if (norm(generated[i].text) === key.text) {
      if (seen === key.occurrence) return i;
      seen++;
    }
  return null;
}

export type DiffScale = 'min-max' | 'raw';

/** A map min–max normalised to [0, 1] (a flat map to 0), or as it is. */
export function scaled(map: ArrayLike<number>, how: DiffScale): Float64Array {
  const out = Float64Array.from(map);
  if (how === 'raw') return out;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo;
  for (let i = 0; i < out.length; i++) out[i] = span > 0 ? (out[i] - lo) / span : 0;
  return out;
}

export type Box = readonly [number, number, number, number];
export const WHOLE: Box = [0, 0, 1, 1];

export interface MapOnGrid {
  map: ArrayLike<number>;
  rows: number;
  cols: number;
  /** The region of the image the grid covers, as fractions of the image. */
  box: Box;
}

export interface Difference {
  /** 'grid': B − A cell by cell on their shared grid; 'image': pixel by pixel over the image. */
  on: 'grid' | 'image';
  rows: number;
  cols: number;
  /** B − A; NaN where only one map covers the pixel. */
  values: Float64Array;
  /** The largest |B − A|, for a symmetric colour scale. */
  maxAbs: number;
}

const sameBox = (a: Box, b: Box) => a.every((v, i) => Math.abs(v - b[i]) < 1e-9);

/** A grid map placed in its box on a width × height frame of the image (bilinear), NaN outside the box. */
export function onImage(m: MapOnGrid, width: number, height: number): Float64Array {
  const x0 = Math.round(m.box[0] * width);
  const y0 = Math.round(m.box[1] * height);
  const w = Math.max(1, Math.round(m.box[2] * width) - x0);
  const h = Math.max(1, Math.round(m.box[3] * height) - y0);
  const up = resizeBilinear(m.map, m.rows, m.cols, h, w);
  const out = new Float64Array(width * height).fill(NaN);
  for (let y = 0; y < h; y++) {
    const row = y + y0;
    if (row < 0 || row >= height) continue;
    for (let x = 0; x < w; x++) {
      const col = x + x0;
      if (col >= 0 && col < width) out[row * width + col] = up[y * w + x];
    }
  }
  return out;
}

/**
 * B − A of two maps (each scaled first as `how` says): on their grid when
 * both have the same grid and region, else over the image, at `width` ×
 * `height` (the image's aspect ratio).
 */
export function difference(
  a: MapOnGrid,
  b: MapOnGrid,
  how: DiffScale,
  width: number,
  height: number,
): Difference {
  const sa = scaled(a.map, how);
  const sb = scaled(b.map, how);
  let values: Float64Array;
  let on: Difference['on'];
  let rows: number;
  let cols: number;
  if (a.rows === b.rows && a.cols === b.cols && sameBox(a.box, b.box)) {
    on = 'grid';
    rows = a.rows;
    cols = a.cols;
    values = sb.map((v, i) => v - sa[i]);
  } else {
    on = 'image';
    rows = height;
    cols = width;
    const ia = onImage({ ...a, map: sa }, width, height);
    const ib = onImage({ ...b, map: sb }, width, height);
    values = ib.map((v, i) => v - ia[i]);
  }
  let maxAbs = 0;
  for (const v of values) if (Number.isFinite(v)) maxAbs = Math.max(maxAbs, Math.abs(v));
  return { on, rows, cols, values, maxAbs };
}
