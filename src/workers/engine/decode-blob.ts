import { ImageInputError, MAX_IMAGE_FILE_BYTES, checkImageSize, type RgbaImage } from './image';
import { checkImageHeader } from './image-header';
import { decodeJpeg } from './jpeg-decode';

/**
 * An image file in the browser (upload, drop, paste, sample) to RGBA: the
 * file size and the header's pixel count are checked before anything is
 * decoded; JPEGs go through the same decoder as in Node (jpeg-decode.ts),
 * so both give the model the same pixels; other formats (PNG, WebP, GIF…)
 * through the browser's decoder, checked again after.
 */
export async function decodeImageBlob(blob: Blob, name: string): Promise<RgbaImage> {
  if (blob.size > MAX_IMAGE_FILE_BYTES)
    throw new ImageInputError(
      `${name}: ${(blob.size / 2 ** 20).toFixed(0)} MB is too large for an image (the limit is ${MAX_IMAGE_FILE_BYTES / 2 ** 20} MB)`,
    );
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const header = checkImageHeader(bytes, name, 'model-input');
  if (header?.format === 'jpeg') return decodeJpeg(bytes, name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob);
  } catch (e) {
    throw new ImageInputError(
      `${name}: not an image this browser can read (${(e as Error).message || 'decode failed'})`,
      { cause: e },
    );
  }
  try {
    checkImageSize(bitmap.width, bitmap.height, name);
  } catch (e) {
    bitmap.close();
    throw e;
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return { width: canvas.width, height: canvas.height, data };
}
