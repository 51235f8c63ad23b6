import { ImageInputError, checkImageSize, checkPixelLimit } from './image';

/**
 * An image's size from its first bytes (PNG's IHDR, JPEG's SOF), so an
 * oversized image is refused before it is decoded into memory. null when the
 * format is not one of these, or the header gives no size.
 */
export function imageSizeFromHeader(b: Uint8Array): { width: number; height: number } | null {
  const u32 = (o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  const format = imageFormat(b);
  if (format === 'png') {
    // The first chunk must be IHDR: 8-byte signature, length, "IHDR", width, height.
    if (b.length < 24 || b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return null;
    return { width: u32(16), height: u32(20) };
  }
  if (format === 'jpeg') {
    let o = 2;
    while (o + 9 < b.length) {
      if (b[o] !== 0xff) return null;
      const marker = b[o + 1];
      // Fill bytes (0xFF 0xFF …) may precede a marker.
      if (marker === 0xff) {
        o += 1;
        continue;
      }
      const length = (b[o + 2] << 8) | b[o + 3];
      // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC)
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { height: (b[o + 5] << 8) | b[o + 6], width: (b[o + 7] << 8) | b[o + 8] };
      }
      if (length < 2) return null;
      o += 2 + length;
    }
  }
  return null;
}

export type ImageFormat = 'png' | 'jpeg';

/** PNG or JPEG by the magic bytes, else null. */
export function imageFormat(b: Uint8Array): ImageFormat | null {
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47)
    if (b[4] === 0x0d && b[5] === 0x0a && b[6] === 0x1a && b[7] === 0x0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * What the image is for: a model input needs the model's minimum side; a
 * mask (or an image only measured) needs just the one pixel limit.
 */
export type ImageUse = 'model-input' | 'mask';

/**
 * The check every decoder runs first: a PNG or JPEG must state its size in
 * its header, and that size must be within the one pixel limit (and the
 * model's minimum for a model input). Returns null for other formats (the
 * caller refuses them, or a browser decoder tries and checks after).
 */
export function checkImageHeader(
  bytes: Uint8Array,
  name: string,
  use: ImageUse,
): { format: ImageFormat; width: number; height: number } | null {
  const format = imageFormat(bytes);
  if (!format) return null;
  const size = imageSizeFromHeader(bytes);
  if (!size)
    throw new ImageInputError(
      `${name}: its ${format.toUpperCase()} header gives no size (truncated or corrupt)`,
    );
  if (use === 'model-input') checkImageSize(size.width, size.height, name);
  else checkPixelLimit(size.width, size.height, name);
  return { format, ...size };
}

/** The bytes of a base64 image data URL (PNG, or also JPEG), or an ImageInputError naming `field`. */
export function dataUrlBytes(url: string, field: string, jpegToo = false): Uint8Array {
  const m = /^data:image\/(png|jpeg);base64,/.exec(url);
  if (!m || (m[1] === 'jpeg' && !jpegToo))
    throw new ImageInputError(`${field}: expected a PNG data URL (data:image/png;base64,…)`);
  const b64 = url.slice(m[0].length);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64))
    throw new ImageInputError(`${field}: the data URL is not valid base64`);
  let text: string;
  try {
    text = atob(b64);
  } catch (e) {
    throw new ImageInputError(`${field}: the data URL is not valid base64`, { cause: e });
  }
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * A trace's image and mask (data URLs) checked from their headers before the
 * page shows or reads them: the one pixel limit, as in the CLI and the worker.
 */
export function checkTraceImages(trace: { image?: string | { dataUrl: string }; mask?: string }): void {
  const image = typeof trace.image === 'string' ? trace.image : trace.image?.dataUrl;
  // Other formats (a WebP upload saved with its run) are left to the browser, which shows them only.
  if (image !== undefined && /^data:image\/(png|jpeg);/.test(image))
    checkImageHeader(dataUrlBytes(image, 'image', true), 'image', 'mask');
  if (trace.mask !== undefined) checkImageHeader(dataUrlBytes(trace.mask, 'mask'), 'mask', 'mask');
}
