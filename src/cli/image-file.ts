import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../workers/engine/image';

/** Decodes a PNG or JPEG file to RGBA, by its magic bytes; anything else is a clear error. */
export function readImageFile(path: string): RgbaImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new Error(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  return decodeImage(bytes, path);
}

export function decodeImage(bytes: Uint8Array, name: string): RgbaImage {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    if (b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
      const png = PNG.sync.read(b);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
    }
    if (b[0] === 0xff && b[1] === 0xd8) {
      const img = jpeg.decode(b, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (e) {
    throw new Error(`${name}: not a readable image (${(e as Error).message})`, { cause: e });
  }
  throw new Error(`${name}: not a PNG or JPEG image`);
}

/** An RGBA image as a PNG data URL (for a trace's `image`). */
export function pngDataUrl(img: RgbaImage): string {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
