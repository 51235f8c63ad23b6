import { maskFromRgba } from '../real';
import { PNG } from 'pngjs';

/** Decodes a PNG data URL (as traces carry images and masks) to RGBA pixels. */
export function decodePngDataUrl(
  url: string,
  field: string,
): { width: number; height: number; data: Uint8Array } {
  const m = /^data:image\/png;base64,(.*)$/s.exec(url);
  if (!m) throw new Error(`${field}: expected a PNG data URL (data:image/png;base64,…)`);
  try {
    const png = PNG.sync.read(Buffer.from(m[1], 'base64'));
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  } catch (e) {
    throw new Error(`${field}: not a readable PNG (${(e as Error).message})`, { cause: e });
  }
}

/** A mask image to 0/1 per pixel: white (red channel > 127) is anomalous. */
export function maskFromPng(png: { width: number; height: number; data: Uint8Array }): Uint8Array {
  return maskFromRgba(png.data, png.width * png.height);
}
