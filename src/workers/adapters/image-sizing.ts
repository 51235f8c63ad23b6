import { ImageInputError, type RgbaImage } from '../engine/image';
import { resizeRgb } from './processing/resample';

/**
 * How an image is sized before a real model's own processor
 * (real-method.md, "Image size"), and the one bound on what a processor may
 * make of it:
 *
 * - `paper` (the default of the CLI and the app): resized to 420 × 420,
 *   bilinear, as the paper trains and evaluates (section 5.1), then the
 *   model's processor (Qwen2.5-VL: a 15 × 15 grid; Qwen3.5: 13 × 13).
 * - `native`: the original image through the model's own processor, with
 *   its image tokens capped so the vision encoder and the prefill fit the
 *   memory plan: the processor's own limit (Qwen's max_pixels, Idefics3's
 *   longest edge) is lowered until the tokens fit, and the run says so.
 * - `square` N: resized to N × N, then the processor.
 *
 * Whatever the mode, the resized image and its image-token count are held
 * against `checkImageBudget` before any pixel, token or position array is
 * built: a config claiming `min_pixels: 1e12` or a 100000 × 100000 size is
 * one line, not V8 running out of memory.
 */
export type SizingMode = 'paper' | 'native' | 'square';

/** What a run asks for. */
export interface SizingRequest {
  mode: SizingMode;
  /** The side for `square`. */
  side?: number;
  /** The image-token cap (native mode reduces to it; the other modes refuse past it); default the plan's. */
  maxImageTokens?: number;
}

/** What a run used, as the trace records it (trace-format.md, `sizing`). */
export interface Sizing {
  mode: SizingMode;
  /** The size the model saw: what its processor resized the image to. */
  size: [number, number];
  /** True when native sizing was reduced to fit the cap. */
  capped: boolean;
}

/** What a run used, with the numbers behind it (for the CLI's line and the app's note; the trace keeps `Sizing`). */
export interface SizingUsed extends Sizing {
  /** The image-token cap that applied. */
  cap: number;
  imageTokens: number;
  /** When capped: the tokens the processor's own sizing would have made. */
  uncappedTokens?: number;
}

/** One sentence for a capped run (the CLI adds its flag, the app its setting). */
export function cappedNote(s: SizingUsed): string {
  return `native sizing capped to fit memory: ${s.imageTokens} image tokens (${s.size[0]}×${s.size[1]} pixels) instead of ${s.uncappedTokens ?? 'more'}, under the cap of ${s.cap}`;
}

export const PAPER_SIDE = 420;
export const PAPER_SIZING: SizingRequest = { mode: 'paper' };
/** Square sides a user may ask for. */
export const MIN_SQUARE_SIDE = 16;
export const MAX_SQUARE_SIDE = 4096;

/** The most pixels a processor may resize an image to (a 4096 × 4096 image; Qwen2.5-VL's own maximum is 12.8 M). */
export const MAX_MODEL_PIXELS = 4096 * 4096;

/**
 * The image-token cap until the memory plan gives one (src/workers/hub,
 * plan): a conservative default per kind of vision encoder.
 *
 * - `whole-image`: the Qwen VL line attends over all of an image's patches
 *   at once (4 per token); at 1,024 tokens that is 4,096 patches, whose
 *   attention is 12 heads × 4096² × 4 bytes ≈ 0.8 GB in float32: what a
 *   4 GB wasm heap holds beside a 0.8B model. A 1920 × 1080 photo natively
 *   is 2,040 tokens (8,160 patches, 3.2 GB of attention: the std::bad_alloc
 *   of issue 18).
 * - `per-tile`: Idefics3 / SmolVLM encode each tile alone, so tokens cost
 *   memory only linearly: 17 tiles of Idefics3-8B's 169 tokens fit easily.
 * - `fixed`: Gemma 3's 256, whatever the image.
 */
export const DEFAULT_MAX_IMAGE_TOKENS = { 'whole-image': 1024, 'per-tile': 8192, fixed: 8192 } as const;
export type VisionAttention = keyof typeof DEFAULT_MAX_IMAGE_TOKENS;

/** The most a user may set the cap to: past it no plan fits on any device this app runs on. */
export const MAX_IMAGE_TOKEN_CAP = 65_536;

/**
 * The one bound: what a processor would make of an image is refused, with
 * the numbers, when its resized size passes MAX_MODEL_PIXELS or its image
 * tokens pass the cap. Called with plain numbers, before anything is built.
 */
export function checkImageBudget(
  family: string,
  image: { width: number; height: number },
  resized: { width: number; height: number },
  imageTokens: number,
  cap: number,
  mode: SizingMode,
): void {
  const pixels = resized.width * resized.height;
  if (!Number.isFinite(pixels) || pixels > MAX_MODEL_PIXELS)
    throw new ImageInputError(
      `the ${family} processor would resize the ${image.width}×${image.height} image to ${resized.width}×${resized.height} pixels; at most ${MAX_MODEL_PIXELS} (4096×4096) are allowed — check the repo's preprocessor_config.json`,
    );
  if (!Number.isFinite(imageTokens) || imageTokens > cap)
    throw new ImageInputError(
      `the ${family} processor would make ${imageTokens} image tokens of the ${image.width}×${image.height} image; the memory plan allows ${cap}${mode === 'native' ? " and this processor's sizing cannot be reduced to that" : ' — use --image-size native (capped to fit) or a smaller size'}`,
    );
}

/** `--image-size paper|native|N` (the app's setting has the same three forms). */
export function parseImageSize(raw: string): SizingRequest | string {
  if (raw === 'paper' || raw === 'native') return { mode: raw };
  if (/^\d+$/.test(raw)) {
    const side = Number(raw);
    if (side >= MIN_SQUARE_SIDE && side <= MAX_SQUARE_SIDE) return { mode: 'square', side };
  }
  return `expected paper, native or a square side from ${MIN_SQUARE_SIDE} to ${MAX_SQUARE_SIDE}`;
}

/** The side an image is resized to before the processor (paper, square), or null (native). */
export function squareSide(r: SizingRequest): number | null {
  if (r.mode === 'native') return null;
  if (r.mode === 'paper') return PAPER_SIDE;
  const side = r.side ?? PAPER_SIDE;
  if (!Number.isInteger(side) || side < MIN_SQUARE_SIDE || side > MAX_SQUARE_SIDE)
    throw new ImageInputError(
      `a square image size of ${side}: expected a whole number from ${MIN_SQUARE_SIDE} to ${MAX_SQUARE_SIDE}`,
    );
  return side;
}

/** The image resized to side × side, bilinear with antialiasing when shrinking (PIL's BILINEAR), opaque RGBA. */
export function squareImage(img: RgbaImage, side: number): RgbaImage {
  if (img.width === side && img.height === side) return img;
  const planes = resizeRgb(img, side, side, 'bilinear', true);
  const n = side * side;
  const data = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    data[i * 4] = planes[i];
    data[i * 4 + 1] = planes[n + i];
    data[i * 4 + 2] = planes[2 * n + i];
    data[i * 4 + 3] = 255;
  }
  return { width: side, height: side, data };
}
