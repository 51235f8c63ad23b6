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
 * Bilinear resize of a row-major rows×cols grid to height×width, with
 * half-pixel centres and edge clamping (align_corners = false, as PyTorch's
 * F.interpolate and OpenCV's resize): output pixel (y, x) samples the grid
 * at ((y + 0.5)·rows/height − 0.5, (x + 0.5)·cols/width − 0.5).
 */
export function resizeBilinear(
  grid: ArrayLike<number>,
  rows: number,
  cols: number,
  height: number,
  width: number,
): Float32Array {
  const out = new Float32Array(height * width);
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float64Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(Math.max(((x + 0.5) * cols) / width - 0.5, 0), cols - 1);
    x0[x] = Math.floor(sx);
    x1[x] = Math.min(x0[x] + 1, cols - 1);
    fx[x] = sx - x0[x];
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(((y + 0.5) * rows) / height - 0.5, 0), rows - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, rows - 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const top = grid[y0 * cols + x0[x]] * (1 - fx[x]) + grid[y0 * cols + x1[x]] * fx[x];
      const bottom = grid[y1 * cols + x0[x]] * (1 - fx[x]) + grid[y1 * cols + x1[x]] * fx[x];
      out[y * width + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}
