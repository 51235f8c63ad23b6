import { maskFromRgba } from '../real';
import { ImageInputError, type RgbaImage } from '../workers/engine/image';
import { checkImageHeader } from '../workers/engine/image-header';
import { decodeImage } from './image-file';

function pngBytes(url: string, field: string): Buffer {
  const m = /^data:image\/png;base64,/.exec(url);
  if (!m) throw new ImageInputError(`${field}: expected a PNG data URL (data:image/png;base64,…)`);
  return Buffer.from(url.slice(m[0].length), 'base64');
}

/** Decodes a PNG data URL (as traces carry images and masks) to RGBA pixels, its header checked first. */
export function decodePngDataUrl(url: string, field: string): RgbaImage {
  return decodeImage(pngBytes(url, field), field, 'mask');
}

/** The size a PNG data URL's header gives, checked against the pixel limit; nothing is decoded. */
export function pngDataUrlSize(url: string, field: string): { width: number; height: number } {
  const header = checkImageHeader(pngBytes(url, field), field, 'mask');
  if (!header || header.format !== 'png') throw new ImageInputError(`${field}: not a PNG image`);
  return { width: header.width, height: header.height };
}

/** A mask image to 0/1 per pixel: white (red channel > 127) is anomalous. */
export function maskFromPng(png: RgbaImage): Uint8Array {
  return maskFromRgba(png.data, png.width * png.height);
}
