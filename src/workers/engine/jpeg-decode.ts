import jpeg from 'jpeg-js';
import { ImageInputError, MAX_IMAGE_PIXELS, type RgbaImage } from './image';

/**
 * The one JPEG decoder, in Node and in the browser's worker alike (pure JS,
 * so both give the model the same pixels: Chromium's own decoder upsamples
 * chroma differently, by up to 97/255 on a 4:2:0 image). Adobe CMYK and YCCK
 * JPEGs are read as Photoshop writes them (inverted), the way Chromium shows
 * them; an embedded ICC profile is not applied, here or there. The EXIF
 * orientation is applied, as the browser does when it shows the image.
 * Callers check the header first (checkImageHeader).
 */
export function decodeJpeg(bytes: Uint8Array, name: string): RgbaImage {
  let img: { width: number; height: number; data: Uint8Array };
  try {
    img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6,
      maxMemoryUsageInMB: 1024,
    });
  } catch (e) {
    throw new ImageInputError(`${name}: not a readable JPEG (${(e as Error).message})`, { cause: e });
  }
  return orient(img, exifOrientation(bytes));
}

/** EXIF orientation 1–8 from the APP1 segment, 1 when absent or unreadable. */
export function exifOrientation(b: Uint8Array): number {
  let o = 2;
  while (o + 4 <= b.length && b[o] === 0xff) {
    const marker = b[o + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const length = (b[o + 2] << 8) | b[o + 3];
    if (length < 2) break;
    const start = o + 4;
    // "Exif\0\0" then a TIFF header
    if (
      marker === 0xe1 &&
      b[start] === 0x45 &&
      b[start + 1] === 0x78 &&
      b[start + 2] === 0x69 &&
      b[start + 3] === 0x66
    ) {
      return tiffOrientation(b.subarray(start + 6, Math.min(b.length, o + 2 + length)));
    }
    o += 2 + length;
  }
  return 1;
}

function tiffOrientation(t: Uint8Array): number {
  if (t.length < 8) return 1;
  const little = t[0] === 0x49 && t[1] === 0x49;
  if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return 1;
  const u16 = (p: number) => (little ? t[p] | (t[p + 1] << 8) : (t[p] << 8) | t[p + 1]);
  const u32 = (p: number) => (little ? u16(p) + u16(p + 2) * 65536 : u16(p) * 65536 + u16(p + 2));
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const n = u16(ifd);
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > t.length) return 1;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

/** The pixels turned upright for EXIF orientation `o` (2–8 flip and/or rotate; 5–8 swap the sides). */
export function orient(img: RgbaImage, o: number): RgbaImage {
  if (o === 1) return { width: img.width, height: img.height, data: img.data };
  const { width: w, height: h, data } = img;
  const swap = o >= 5;
  const W = swap ? h : w;
  const H = swap ? w : h;
  const out = new Uint8Array(w * h * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      // The source pixel shown at (x, y) of the upright image.
      let sx: number;
      let sy: number;
      switch (o) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default: // 8
          [sx, sy] = [w - 1 - y, x];
      }
      const s = (sy * w + sx) * 4;
      const d = (y * W + x) * 4;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
      out[d + 3] = data[s + 3];
    }
  }
  return { width: W, height: H, data: out };
}
