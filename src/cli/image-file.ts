import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import type { RgbaImage } from '../workers/engine/image';
import { ImageInputError } from '../workers/engine/image';
import { checkImageHeader, type ImageUse } from '../workers/engine/image-header';
import { decodeJpeg } from '../workers/engine/jpeg-decode';
import { readInputFile, type ReadOptions } from './safe-file';

/** Reads a PNG or JPEG file (a regular file within the size cap) and decodes it to RGBA. */
export function readImageFile(
  path: string,
  use: ImageUse = 'model-input',
  options: ReadOptions = {},
): RgbaImage {
  const bytes = readInputFile(path, use === 'mask' ? 'mask' : 'image', options);
  return decodeImage(bytes, path, use);
}

/**
 * Decodes PNG or JPEG bytes to RGBA, by the magic bytes; anything else is a
 * clear error. The header's size is checked against the one pixel limit
 * before any pixel is decoded; JPEGs go through the decoder the browser's
 * worker uses too.
 */
export function decodeImage(bytes: Uint8Array, name: string, use: ImageUse = 'model-input'): RgbaImage {
  const header = checkImageHeader(bytes, name, use);
  if (!header) throw new ImageInputError(`${name}: not a PNG or JPEG image`);
  if (header.format === 'jpeg') return decodeJpeg(bytes, name);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  try {
    checkInterlacedInflate(b, header.width, header.height);
    const png = PNG.sync.read(b);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  } catch (e) {
    throw new ImageInputError(`${name}: not a readable PNG (${(e as Error).message})`, { cause: e });
  }
}

/**
 * pngjs bounds the inflated data by the header's size for plain PNGs but not
 * for interlaced ones; inflate those once here with that bound, so a small
 * interlaced PNG holding a zlib bomb fails fast instead of filling memory.
 */
function checkInterlacedInflate(b: Buffer, width: number, height: number): void {
  if (b.length < 29 || b[28] !== 1) return;
  const depth = b[24];
  const channels = [1, 0, 3, 1, 2, 0, 4][b[25]] ?? 4;
  // Adam7's seven passes: at most one filter byte per row per pass beyond the plain size.
  const rowBytes = Math.ceil((width * channels * depth) / 8) + 1;
  const bound = rowBytes * height + 7 * (height + 1) + 64;
  const idat: Buffer[] = [];
  for (let o = 8; o + 12 <= b.length;) {
    const len = b.readUInt32BE(o);
    const type = b.toString('latin1', o + 4, o + 8);
    if (type === 'IDAT') idat.push(b.subarray(o + 8, o + 8 + len));
    if (type === 'IEND') break;
    o += 12 + len;
  }
  inflateSync(Buffer.concat(idat), { maxOutputLength: bound });
}

/** An RGBA image as a PNG data URL (for a trace's `image`). */
export function pngDataUrl(img: RgbaImage): string {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data);
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
