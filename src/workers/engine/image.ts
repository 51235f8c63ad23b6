/**
 * Image preprocessing: decoded RGBA pixels → the model's pixel_values
 * (bilinear resize with half-pixel centres, rescale, per-channel
 * normalisation, NCHW).
 */

export interface RgbaImage {
  width: number;
  height: number;
  /** width·height·4 bytes, RGBA. */
  data: Uint8Array | Uint8ClampedArray;
}

export const MIN_IMAGE_SIDE = 16;
/** The one pixel limit for every image and mask, in the CLI, the worker and the page. */
export const MAX_IMAGE_PIXELS = 40_000_000;
/** The one cap on an image file's bytes (a 40 MP PNG is far smaller). */
export const MAX_IMAGE_FILE_BYTES = 256 * 1024 * 1024;

export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

/** Rejects a size with no pixels or more than MAX_IMAGE_PIXELS (masks, and images before decoding). */
export function checkPixelLimit(width: number, height: number, name = 'the image'): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ImageInputError(`${name} has no pixels`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageInputError(
      `${name} is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(0)} MP); the limit is ${MAX_IMAGE_PIXELS / 1e6} MP — scale it down first`,
    );
  }
}

/** Rejects image sizes the model cannot use, with a message a person can act on. */
export function checkImageSize(width: number, height: number, name = 'the image'): void {
  checkPixelLimit(width, height, name);
  if (width < MIN_IMAGE_SIDE || height < MIN_IMAGE_SIDE) {
    throw new ImageInputError(
      `${name} is ${width}×${height} pixels; at least ${MIN_IMAGE_SIDE}×${MIN_IMAGE_SIDE} is needed to show the model anything`,
    );
  }
}

/** Rejects images the model cannot use, and a pixel buffer of the wrong length. */
export function checkImage(img: RgbaImage): void {
  checkImageSize(img.width, img.height);
  if (img.data.length !== img.width * img.height * 4) {
    throw new ImageInputError(
      `the pixel buffer has ${img.data.length} bytes, expected width·height·4 = ${img.width * img.height * 4}`,
    );
  }
}

export interface Normalisation {
  width: number;
  height: number;
  rescale: number;
  mean: readonly number[];
  std: readonly number[];
}

/** Bilinear resize of RGBA to RGB floats in 0..255, half-pixel centres, clamped edges. */
export function resizeRgb(img: RgbaImage, width: number, height: number): Float32Array {
  const out = new Float32Array(3 * width * height);
  const sx = img.width / width;
  const sy = img.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c];
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
        const bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out[c * width * height + y * width + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** pixel_values, NCHW with batch 1. */
export function toPixelValues(img: RgbaImage, n: Normalisation): Float32Array {
  checkImage(img);
  const rgb = resizeRgb(img, n.width, n.height);
  const plane = n.width * n.height;
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < plane; i++)
      rgb[c * plane + i] = (rgb[c * plane + i] * n.rescale - n.mean[c]) / n.std[c];
  }
  return rgb;
}
