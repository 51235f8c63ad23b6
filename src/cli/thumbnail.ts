import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { summaryMask, SUMMARY_MASK_SIDE, type BinaryMask } from '../real';
import type { RgbaImage } from '../workers/engine/image';

/**
 * The run summary's thumbnails (docs/run-summary.md): the image as a JPEG and
 * the mask as a PNG, longer side at most 128 px. The image is averaged over
 * the same blocks `summaryMask` uses; the mask is `summaryMask` itself, so the
 * contour a gallery draws is the mask the row's numbers were computed on.
 */
export function imageThumbnail(img: RgbaImage, side = SUMMARY_MASK_SIDE): string {
  const { width: W, height: H } = img;
  const s = Math.min(1, side / Math.max(W, H));
  const w = Math.max(1, Math.round(W * s));
  const h = Math.max(1, Math.round(H * s));
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const ya = Math.floor((y * H) / h);
    const yb = Math.floor(((y + 1) * H) / h);
    for (let x = 0; x < w; x++) {
      const xa = Math.floor((x * W) / w);
      const xb = Math.floor(((x + 1) * W) / w);
      const sum = [0, 0, 0];
      for (let yy = ya; yy < yb; yy++)
        for (let xx = xa; xx < xb; xx++)
          for (let c = 0; c < 3; c++) sum[c] += img.data[(yy * W + xx) * 4 + c];
      const n = (yb - ya) * (xb - xa);
      for (let c = 0; c < 3; c++) out[(y * w + x) * 4 + c] = Math.round(sum[c] / n);
      out[(y * w + x) * 4 + 3] = 255;
    }
  }
  const encoded = jpeg.encode({ width: w, height: h, data: Buffer.from(out) }, 80);
  return `data:image/jpeg;base64,${Buffer.from(encoded.data).toString('base64')}`;
}

export function maskThumbnail(mask: BinaryMask, side = SUMMARY_MASK_SIDE): string {
  return maskPng(summaryMask(mask, side));
}

/** A 0/1 mask as a black-and-white PNG data URL (what traces carry as `mask`). */
export function maskPng(mask: BinaryMask): string {
  const png = new PNG({ width: mask.width, height: mask.height });
  for (let i = 0; i < mask.data.length; i++) {
    const v = mask.data[i] ? 255 : 0;
    png.data[i * 4] = png.data[i * 4 + 1] = png.data[i * 4 + 2] = v;
    png.data[i * 4 + 3] = 255;
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
