import { ImageInputError } from '../../engine/image';

/**
 * Qwen VL's `smart_resize`: both sides a multiple of `factor` (patch ×
 * merge), the pixel count within [minPixels, maxPixels], the aspect ratio
 * kept as closely as possible. A side shorter than `factor` is first scaled
 * up to it (transformers.js 4.x, so a 28-px image works at factor 32).
 * Rounding is JavaScript's Math.round, as in transformers.js.
 */
export function smartResize(
  height: number,
  width: number,
  factor: number,
  minPixels: number,
  maxPixels: number,
): { width: number; height: number } {
  let h = height;
  let w = width;
  if (h < factor || w < factor) {
    const scale = Math.max(factor / h, factor / w);
    h = Math.round(h * scale);
    w = Math.round(w * scale);
  }
  const ratio = Math.max(h, w) / Math.min(h, w);
  if (ratio > 200) {
    throw new ImageInputError(
      `the image is ${width}×${height} pixels, an aspect ratio of ${ratio.toFixed(0)}:1; the model takes at most 200:1 — crop it first`,
    );
  }
  let hBar = Math.round(h / factor) * factor;
  let wBar = Math.round(w / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((h * w) / maxPixels);
    hBar = Math.max(factor, Math.floor(h / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(w / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (h * w));
    hBar = Math.ceil((h * beta) / factor) * factor;
    wBar = Math.ceil((w * beta) / factor) * factor;
  }
  return { width: wBar, height: hBar };
}
