/**
 * What a trace reader accepts before it does any work proportional to a
 * claim: a hostile file that says "a billion layers" is refused from its
 * header, not after the allocation. Each limit is far above a real run
 * (Qwen2.5-VL-3B at 1008 px: 36 layers, a 36 × 36 grid, ~2,000 positions)
 * and far below what would exhaust memory. Errors name the limit.
 */

const MiB = 1024 * 1024;

export const TRACE_LIMITS = {
  /** Grid cells of the default view or any other view (rows × cols). */
  gridCells: 1 << 20,
  /** Attention rows per token (layers with rows). */
  layers: 1024,
  /** Sequence positions: every position is below this. */
  positions: 1 << 20,
  /** The original image's size in a version-2 trace (the engine's MAX_IMAGE_PIXELS): maps are resized to it. */
  imagePixels: 40_000_000,
  /** Views besides the default one. */
  views: 4096,
  /** A binary trace file (header and rows). */
  binaryFileBytes: 16 * 1024 * MiB,
  /** The JSON header of a binary trace (it may hold the image and mask as data URLs). */
  binaryHeaderBytes: 256 * MiB,
  /** Attention values of one trace (layers × Σ row lengths): 8 GiB as float16. */
  values: 2 ** 32,
} as const;

/** Bytes as people read them, for messages. */
export function formatBytes(n: number): string {
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MiB`;
  return `${n} bytes`;
}
