/**
 * Image resampling as the reference processors do it, separable, with
 * half-pixel centres and edge windows clipped and renormalised:
 *
 * - `resizeRgb`: 8-bit RGBA → 8-bit RGB planes (rounded and clamped after
 *   each pass, like an 8-bit image library). With `antialias` the kernel is
 *   widened by the scale when shrinking (PIL's `resize`, libvips' `resize`);
 *   without it the kernel samples at its own width (libvips `affine`, which
 *   transformers.js uses on Node for bilinear and bicubic).
 * - `interpolatePlanes`: float planes → float planes, bilinear, no antialias
 *   (ONNX `Resize` mode linear, half_pixel; transformers.js `interpolate_4d`).
 */
import type { RgbaImage } from '../../engine/image';

export type Filter = 'nearest' | 'bilinear' | 'bicubic' | 'lanczos3';

/** PIL/transformers.js resample codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming. */
export function filterForResample(code: number): Filter {
  switch (code) {
    case 0:
      return 'nearest';
    case 1:
      return 'lanczos3';
    case 3:
      return 'bicubic';
    default:
      // 2, and box/hamming, which transformers.js also resamples bilinearly.
      return 'bilinear';
  }
}

const RADIUS: Record<Filter, number> = { nearest: 0.5, bilinear: 1, bicubic: 2, lanczos3: 3 };

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

function kernel(filter: Filter, x: number): number {
  const a = Math.abs(x);
  switch (filter) {
    case 'nearest':
      return a < 0.5 ? 1 : 0;
    case 'bilinear':
      return a < 1 ? 1 - a : 0;
    case 'bicubic': {
      // Keys' cubic with a = -0.5 (PIL and libvips).
      const A = -0.5;
      if (a < 1) return ((A + 2) * a - (A + 3)) * a * a + 1;
      if (a < 2) return ((A * a - 5 * A) * a + 8 * A) * a - 4 * A;
      return 0;
    }
    case 'lanczos3':
      return a < 3 ? sinc(a) * sinc(a / 3) : 0;
  }
}

/** Per output index: the first input index, how many inputs, and their weights (`taps` slots each). */
interface Taps {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  weights: Float32Array;
}

function makeTaps(inSize: number, outSize: number, filter: Filter, antialias: boolean): Taps {
  const scale = inSize / outSize;
  const widen = antialias ? Math.max(scale, 1) : 1;
  const support = RADIUS[filter] * widen;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float32Array(outSize * taps);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    let lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    if (hi <= lo) lo = Math.max(0, Math.min(inSize - 1, Math.floor(centre)));
    let sum = 0;
    const n = Math.max(1, Math.min(taps, hi - lo));
    for (let k = 0; k < n; k++) {
      const w = kernel(filter, (lo + k - centre + 0.5) / widen);
      weights[i * taps + k] = w;
      sum += w;
    }
    if (sum === 0) {
      // A window with no weight (nearest at an exact half): take the nearest pixel.
      weights[i * taps] = 1;
      sum = 1;
    }
    for (let k = 0; k < n; k++) weights[i * taps + k] /= sum;
    first[i] = lo;
    count[i] = n;
  }
  return { taps, first, count, weights };
}

const clamp8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Resizes 8-bit RGBA to `width`×`height` 8-bit RGB, planar (R plane, G
 * plane, B plane); alpha is dropped, as an RGB conversion does.
 */
export function resizeRgb(
  img: RgbaImage,
  width: number,
  height: number,
  filter: Filter,
  antialias: boolean,
): Uint8Array {
  const W = img.width;
  const H = img.height;
  const out = new Uint8Array(3 * width * height);
  const plane = width * height;
  if (W === width && H === height) {
    for (let i = 0; i < plane; i++) {
      out[i] = img.data[i * 4];
      out[plane + i] = img.data[i * 4 + 1];
      out[2 * plane + i] = img.data[i * 4 + 2];
    }
    return out;
  }
  // Horizontal pass: H rows of `width` pixels, interleaved RGB.
  const hx = makeTaps(W, width, filter, antialias);
  const mid = new Uint8Array(H * width * 3);
  for (let y = 0; y < H; y++) {
    const row = y * W * 4;
    for (let x = 0; x < width; x++) {
      const base = hx.first[x];
      const wOff = x * hx.taps;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0, n = hx.count[x]; k < n; k++) {
        const w = hx.weights[wOff + k];
        const p = row + (base + k) * 4;
        r += img.data[p] * w;
        g += img.data[p + 1] * w;
        b += img.data[p + 2] * w;
      }
      const o = (y * width + x) * 3;
      mid[o] = clamp8(r);
      mid[o + 1] = clamp8(g);
      mid[o + 2] = clamp8(b);
    }
  }
  // Vertical pass into planes.
  const vy = makeTaps(H, height, filter, antialias);
  for (let y = 0; y < height; y++) {
    const base = vy.first[y];
    const wOff = y * vy.taps;
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0, n = vy.count[y]; k < n; k++) {
        const w = vy.weights[wOff + k];
        const p = ((base + k) * width + x) * 3;
        r += mid[p] * w;
        g += mid[p + 1] * w;
        b += mid[p + 2] * w;
      }
      const i = y * width + x;
      out[i] = clamp8(r);
      out[plane + i] = clamp8(g);
      out[2 * plane + i] = clamp8(b);
    }
  }
  return out;
}

/** Per-channel rescale and normalisation of 8-bit planes to floats: (v·rescale − mean) / std. */
export function normalizePlanes(
  planes: Uint8Array,
  n: { rescale: number; mean: readonly number[]; std: readonly number[] },
): Float32Array {
  const plane = planes.length / 3;
  const out = new Float32Array(planes.length);
  for (let c = 0; c < 3; c++) {
    const lut = new Float32Array(256);
    for (let v = 0; v < 256; v++) lut[v] = (v * n.rescale - n.mean[c]) / n.std[c];
    for (let i = c * plane; i < (c + 1) * plane; i++) out[i] = lut[planes[i]];
  }
  return out;
}

/** Bilinear resize of `channels` float planes (half-pixel centres, clamped edges, no antialias). */
export function interpolatePlanes(
  src: Float32Array,
  channels: number,
  W: number,
  H: number,
  width: number,
  height: number,
): Float32Array {
  if (W === width && H === height) return src;
  const out = new Float32Array(channels * width * height);
  const sx = W / width;
  const sy = H / height;
  const x0s = new Int32Array(width);
  const x1s = new Int32Array(width);
  const wxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), W - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, W - 1);
    wxs[x] = fx - x0s[x];
  }
  for (let c = 0; c < channels; c++) {
    const s = c * W * H;
    const o = c * width * height;
    for (let y = 0; y < height; y++) {
      const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), H - 1);
      const y0 = Math.floor(fy);
      const y1 = Math.min(y0 + 1, H - 1);
      const wy = fy - y0;
      const r0 = s + y0 * W;
      const r1 = s + y1 * W;
      for (let x = 0; x < width; x++) {
        const wx = wxs[x];
        const top = src[r0 + x0s[x]] * (1 - wx) + src[r0 + x1s[x]] * wx;
        const bottom = src[r1 + x0s[x]] * (1 - wx) + src[r1 + x1s[x]] * wx;
        out[o + y * width + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}
