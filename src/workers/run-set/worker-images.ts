/// <reference lib="webworker" />
import { contours, geoPath } from 'd3';
import { maskFromRgba } from '../../real';
import { checkImageHeader, dataUrlBytes } from '../engine/image-header';
import type { MaskOutline } from '../run-set-api';

/**
 * Images in the run-set worker, with OffscreenCanvas: a trace's mask decoded
 * to 0/1 pixels (for the per-image numbers), thumbnails of the image and
 * the mask for the gallery's tiles, and a mask's outline as an SVG path.
 * Every image's header is checked against the pixel limit before it is
 * decoded.
 */

export const THUMBNAIL_SIDE = 128;

/** An image data URL's bytes, checked from its header against the pixel limit (PNG or JPEG), with its size. */
export function imageBytes(url: string, field: string, jpegToo: boolean): ImageBytes {
  const bytes = dataUrlBytes(url, field, jpegToo);
  const header = checkImageHeader(bytes, field, 'mask');
  if (!header) throw new Error(`${field}: not a PNG${jpegToo ? ' or JPEG' : ''} image`);
  return { url, bytes, ...header };
}

export interface ImageBytes {
  url: string;
  bytes: Uint8Array;
  format: 'png' | 'jpeg';
  width: number;
  height: number;
}

function bitmapOf(img: ImageBytes): Promise<ImageBitmap> {
  return createImageBitmap(new Blob([img.bytes as BlobPart], { type: `image/${img.format}` }));
}

function pixelsOf(bitmap: ImageBitmap, width = bitmap.width, height = bitmap.height): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(bitmap, 0, 0, width, height);
  return ctx.getImageData(0, 0, width, height).data;
}

/** A mask as 0/1 per pixel (white is anomalous), with its size. */
export async function decodeMask(
  img: ImageBytes,
): Promise<{ width: number; height: number; data: Uint8Array }> {
  const bitmap = await bitmapOf(img);
  try {
    const { width, height } = bitmap;
    return { width, height, data: maskFromRgba(pixelsOf(bitmap), width * height) };
  } finally {
    bitmap.close();
  }
}

function thumbSize(width: number, height: number, side: number): { width: number; height: number } {
  const s = Math.min(1, side / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * An image's thumbnail (longer side ≤ 128 px) as a data URL: JPEG for a
 * photo, PNG for a mask; an image that small already is kept as it is.
 */
export async function thumbnail(img: ImageBytes, as: 'image/jpeg' | 'image/png'): Promise<string> {
  if (Math.max(img.width, img.height) <= THUMBNAIL_SIDE) return img.url;
  const bitmap = await bitmapOf(img);
  try {
    const size = thumbSize(bitmap.width, bitmap.height, THUMBNAIL_SIDE);
    const canvas = new OffscreenCanvas(size.width, size.height);
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(bitmap, 0, 0, size.width, size.height);
    const blob = await canvas.convertToBlob({ type: as, quality: 0.85 });
    return new FileReaderSync().readAsDataURL(blob);
  } finally {
    bitmap.close();
  }
}

/** The outline of 0/1 pixels as an SVG path in their pixels: d3-contour's marching squares. */
export function outlineOf(bits: ArrayLike<number>, width: number, height: number): MaskOutline | null {
  const [shape] = contours().size([width, height]).thresholds([0.5])(Array.from(bits));
  const d = geoPath()(shape);
  return d ? { d, width, height } : null;
}

/** The outline of a mask image (a summary row's thumbnail; white > 127). */
export async function maskOutline(url: string): Promise<MaskOutline | null> {
  const bitmap = await bitmapOf(imageBytes(url, 'mask thumbnail', false));
  try {
    const { width, height } = bitmap;
    return outlineOf(maskFromRgba(pixelsOf(bitmap), width * height), width, height);
  } finally {
    bitmap.close();
  }
}
