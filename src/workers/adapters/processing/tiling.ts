/**
 * Idefics3 / SmolVLM image splitting (transformers.js `Idefics3ImageProcessor`):
 * the image is resized so its longest edge is `size.longest_edge` (small
 * images are scaled up), then each side is rounded up to a multiple of the
 * tile size (`max_image_size.longest_edge`) and the image stretched to that;
 * it is cut into rows × cols tiles, row-major, followed by the whole image
 * at tile size (the global image). An image that fits one tile is not split:
 * only the global image, rows = cols = 0.
 */

/** `get_resize_output_image_size` for `{longest_edge}`: aspect kept, floor of the 2-decimal rounding. */
export function resizeLongestEdge(width: number, height: number, longest: number) {
  const f = Math.min(longest / width, longest / height);
  return {
    width: Math.floor(Number((width * f).toFixed(2))),
    height: Math.floor(Number((height * f).toFixed(2))),
  };
}

/** `get_resize_for_vision_encoder`: each side up to a multiple of `tile`, from the longer side's aspect. */
export function resizeForVisionEncoder(width: number, height: number, tile: number) {
  const aspect = width / height;
  let w: number;
  let h: number;
  if (width >= height) {
    w = Math.ceil(width / tile) * tile;
    h = Math.ceil(Math.floor(w / aspect) / tile) * tile;
  } else {
    h = Math.ceil(height / tile) * tile;
    w = Math.ceil(Math.floor(h * aspect) / tile) * tile;
  }
  return { width: w, height: h };
}

export interface TileLayout {
  /** Size of the image the tiles are cut from (multiples of `tile`). */
  width: number;
  height: number;
  tile: number;
  /** 0 and 0 when the image is one tile (global image only). */
  rows: number;
  cols: number;
}

export function tileLayout(width: number, height: number, tile: number): TileLayout {
  const split = width > tile || height > tile;
  return {
    width,
    height,
    tile,
    rows: split ? Math.ceil(height / tile) : 0,
    cols: split ? Math.ceil(width / tile) : 0,
  };
}

/** Frames in pixel_values order: tiles row-major, then the global image. */
export function frameCount(t: TileLayout): number {
  return t.rows * t.cols + 1;
}

/**
 * The prompt text an `<image>` slot expands to: per tile
 * `<fake_token_around_image><row_r_col_c>` + seqLen × `<image>`, a newline
 * after each row, then `\n<fake_token_around_image><global-img>` + seqLen ×
 * `<image>` + `<fake_token_around_image>` (no split: just the global part,
 * without the leading newline).
 */
export function idefics3ImageText(t: TileLayout, seqLen: number): string {
  const FAKE = '<fake_token_around_image>';
  const images = '<image>'.repeat(seqLen);
  const global = `${FAKE}<global-img>${images}${FAKE}`;
  if (t.rows === 0 && t.cols === 0) return global;
  let s = '';
  for (let r = 0; r < t.rows; r++) {
    for (let c = 0; c < t.cols; c++) s += `${FAKE}<row_${r + 1}_col_${c + 1}>${images}`;
    s += '\n';
  }
  return `${s}\n${global}`;
}
