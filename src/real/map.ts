/**
 * The anomaly map (Eq. 5), A_RDAM = Σ_r w_r · A_r,I on the grid, and its
 * bilinear resize to the image for display and pixel metrics.
 */

export function weightedSum(
  maps: readonly ArrayLike<number>[],
  weights: ArrayLike<number>,
  cells: number,
): Float64Array {
  const out = new Float64Array(cells);
  maps.forEach((map, r) => {
    const w = weights[r];
    if (w === 0) return;
    for (let i = 0; i < cells; i++) out[i] += w * map[i];
  });
  return out;
}

/**
 * One axis of a bilinear resize from `cells` grid cells to `pixels` pixels,
 * half-pixel centres and clamped edges: pixel p samples between cells
 * i0[p] and i1[p] with weight f[p] on i1.
 */
export interface BilinearAxis {
  i0: Int32Array;
  i1: Int32Array;
  f: Float64Array;
}

export function bilinearAxis(cells: number, pixels: number): BilinearAxis {
  const i0 = new Int32Array(pixels);
  const i1 = new Int32Array(pixels);
  const f = new Float64Array(pixels);
  for (let p = 0; p < pixels; p++) {
    const s = Math.min(Math.max(((p + 0.5) * cells) / pixels - 0.5, 0), cells - 1);
    i0[p] = Math.floor(s);
    i1[p] = Math.min(i0[p] + 1, cells - 1);
    f[p] = s - i0[p];
  }
  return { i0, i1, f };
}

/**
 * Bilinear resize of a row-major rows×cols grid to height×width, with
 * half-pixel centres and edge clamping (align_corners = false, as PyTorch's
 * F.interpolate and OpenCV's resize): output pixel (y, x) samples the grid
 * at ((y + 0.5)·rows/height − 0.5, (x + 0.5)·cols/width − 0.5). The pooled
 * pixel evaluation (pixel-pool.ts) computes the same values with the same
 * expression, a row at a time.
 */
export function resizeBilinear(
  grid: ArrayLike<number>,
  rows: number,
  cols: number,
  height: number,
  width: number,
): Float32Array {
  const out = new Float32Array(height * width);
  const { i0: x0, i1: x1, f: fx } = bilinearAxis(cols, width);
  const { i0: ys0, i1: ys1, f: fys } = bilinearAxis(rows, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys0[y];
    const y1 = ys1[y];
    const fy = fys[y];
    for (let x = 0; x < width; x++) {
      const top = grid[y0 * cols + x0[x]] * (1 - fx[x]) + grid[y0 * cols + x1[x]] * fx[x];
      const bottom = grid[y1 * cols + x0[x]] * (1 - fx[x]) + grid[y1 * cols + x1[x]] * fx[x];
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
