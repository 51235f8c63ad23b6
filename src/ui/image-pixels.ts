import { maskFromRgba } from '../real';

/** Decoded pixels of an image URL (in the page), e.g. to read a mask. */
export async function imagePixels(
  url: string,
): Promise<{ width: number; height: number; data: Uint8ClampedArray }> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0);
  return {
    width: canvas.width,
    height: canvas.height,
    data: ctx.getImageData(0, 0, canvas.width, canvas.height).data,
  };
}

/** 1 where the mask is white (red channel > 127). */
export function binaryMask(p: { width: number; height: number; data: Uint8ClampedArray }): Uint8Array {
  return maskFromRgba(p.data, p.width * p.height);
}
