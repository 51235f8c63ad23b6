import { MIN_IMAGE_SIDE, type RgbaImage } from './image';

/**
 * The manifest's grid checked against the vision encoder at load, by shape,
 * not only by count: a 16 × 9 grid on an encoder whose tokens are 12 × 12
 * has the same 144 cells and would give maps silently scrambled.
 *
 * The encoder's output dims come first (a 4-D [B, rows, cols, H] output
 * says the shape; a fixed token count says the count). A flat [B, N, H]
 * output does not say how its N tokens lie, so the encoder is asked: a small
 * pattern at the image's top-right corner must move token cols − 1 most, and
 * one at the bottom-left token (rows − 1) · cols, as a row-major grid
 * rows × cols would. One batched encoder run (three images) at load.
 */

export class GridMismatchError extends Error {
  override name = 'GridMismatchError';
}

export interface EncoderProbe {
  /** The vision encoder's file, for messages. */
  file: string;
  grid: { rows: number; cols: number };
  /** The encoder's input size (the probe images are made at it). */
  width: number;
  height: number;
  hidden: number;
  /** The features output's dims from the session's metadata, when known. */
  outputShape?: ReadonlyArray<number | string>;
  /** Features of each image, flattened [tokens × hidden] (one encoder run for all, where it can batch). */
  features(images: RgbaImage[]): Promise<Float32Array[]>;
}

function noise(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = i % 4 === 3 ? 255 : 64 + ((s >>> 16) % 128);
  }
  return data;
}

/** The noise image with a black/white checkerboard block at one corner. */
function withCorner(base: Uint8Array, width: number, height: number, corner: 'tr' | 'bl', side: number) {
  const data = base.slice();
  const x0 = corner === 'tr' ? width - side : 0;
  const y0 = corner === 'tr' ? 0 : height - side;
  for (let y = y0; y < y0 + side; y++)
    for (let x = x0; x < x0 + side; x++) {
      const v = (x + y) % 2 ? 255 : 0;
      const i = (y * width + x) * 4;
      data[i] = data[i + 1] = data[i + 2] = v;
    }
  return data;
}

/** The token whose features moved most, and whether it stands out (else the encoder gives no answer). */
function mostMoved(a: Float32Array, b: Float32Array, hidden: number): number | null {
  const n = a.length / hidden;
  const moved = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let h = 0; h < hidden; h++) {
      const d = a[t * hidden + h] - b[t * hidden + h];
      s += d * d;
    }
    moved[t] = s;
  }
  let best = 0;
  for (let t = 1; t < n; t++) if (moved[t] > moved[best]) best = t;
  const sorted = Array.from(moved).sort((x, y) => y - x);
  // Nothing moved, or a tie at the top: the probe says nothing.
  if (!(sorted[0] > 0) || !Number.isFinite(sorted[0]) || (n > 1 && sorted[1] >= sorted[0])) return null;
  return best;
}

export async function checkEncoderGrid(p: EncoderProbe): Promise<void> {
  const { rows, cols } = p.grid;
  const cells = rows * cols;
  const where = `${p.file} and the manifest's grid (${rows}×${cols})`;
  const shape = p.outputShape ?? [];
  const fixed = (d: number | string | undefined): d is number => typeof d === 'number' && d > 0;
  if (shape.length === 4 && fixed(shape[1]) && fixed(shape[2]) && (shape[1] !== rows || shape[2] !== cols))
    throw new GridMismatchError(
      `${where} disagree: the encoder's output is a ${shape[1]}×${shape[2]} grid; set grid.rows and grid.cols to it`,
    );
  const count = shape.length === 3 ? shape[1] : shape.length === 2 ? shape[0] : undefined;
  if (fixed(count) && count !== cells)
    throw new GridMismatchError(
      `${where} disagree: the encoder gives ${count} image tokens, the grid has ${cells} cells`,
    );
  // At the encoder's input size, or a whole multiple of it when that is below the smallest image accepted.
  const k = Math.max(1, Math.ceil(MIN_IMAGE_SIDE / Math.min(p.width, p.height)));
  const [width, height, hidden] = [p.width * k, p.height * k, p.hidden];
  const base = noise(width, height);
  const side = k * Math.max(2, Math.floor(Math.min(p.width / cols, p.height / rows) / 4));
  const [plain, topRight, bottomLeft] = await p.features(
    [base, withCorner(base, width, height, 'tr', side), withCorner(base, width, height, 'bl', side)].map(
      (data) => ({ width, height, data }),
    ),
  );
  const n = plain.length / hidden;
  if (n !== cells)
    throw new GridMismatchError(
      `${where} disagree: the encoder gives ${n} image tokens, the grid has ${cells} cells`,
    );
  const tr = mostMoved(plain, topRight, hidden);
  const bl = mostMoved(plain, bottomLeft, hidden);
  if (tr !== null && tr !== cols - 1) {
    const trueCols = tr + 1;
    const shown =
      cells % trueCols === 0 ? `a ${cells / trueCols}×${trueCols} grid` : `${trueCols} tokens per row`;
    throw new GridMismatchError(
      `${where} disagree: a change at the image's top-right corner moves token ${tr}, so the encoder's tokens form ${shown}, not ${rows}×${cols} (token ${cols - 1}); fix grid.rows and grid.cols`,
    );
  }
  if (bl !== null && bl !== (rows - 1) * cols)
    throw new GridMismatchError(
      `${where} disagree: a change at the image's bottom-left corner moves token ${bl}, not ${(rows - 1) * cols} as a ${rows}×${cols} row-major grid would; fix grid.rows and grid.cols`,
    );
}
