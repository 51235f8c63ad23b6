/**
 * Qwen VL's pixel_values: the resized image, repeated `temporal` times (one
 * still frame fills a temporal patch), cut into patch×patch squares and
 * flattened as the processor does (`view(...).permute(0,3,6,4,7,2,1,5,8)`):
 * rows in merge-block order (block row, block column, then the merge×merge
 * patches inside the block, row-major), each row laid out
 * [channel][temporal][py][px].
 */
export interface PatchGrid {
  /** Patches down and across (the image is gridH·patch × gridW·patch). */
  gridH: number;
  gridW: number;
  patch: number;
  merge: number;
  temporal: number;
}

/** Flattens normalised planar RGB (3 × H × W floats) into [gridH·gridW, 3·temporal·patch²] rows. */
export function qwenPatches(planes: Float32Array, g: PatchGrid): Float32Array {
  const { gridH, gridW, patch: P, merge: M, temporal: T } = g;
  const W = gridW * P;
  const H = gridH * P;
  const plane = W * H;
  const rowLen = 3 * T * P * P;
  const out = new Float32Array(gridH * gridW * rowLen);
  let o = 0;
  for (let bh = 0; bh < gridH / M; bh++) {
    for (let bw = 0; bw < gridW / M; bw++) {
      for (let mh = 0; mh < M; mh++) {
        for (let mw = 0; mw < M; mw++) {
          const y0 = (bh * M + mh) * P;
          const x0 = (bw * M + mw) * P;
          for (let c = 0; c < 3; c++) {
            for (let t = 0; t < T; t++) {
              for (let py = 0; py < P; py++) {
                const src = c * plane + (y0 + py) * W + x0;
                out.set(planes.subarray(src, src + P), o);
                o += P;
              }
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * Merged-patch index → its cell in the (gridH/merge) × (gridW/merge) grid.
 * The vision encoder emits one feature per merge block, in block order,
 * which is already row-major over the grid: feature k is cell k.
 */
export function qwenGrid(g: Pick<PatchGrid, 'gridH' | 'gridW' | 'merge'>): { rows: number; cols: number } {
  return { rows: g.gridH / g.merge, cols: g.gridW / g.merge };
}
