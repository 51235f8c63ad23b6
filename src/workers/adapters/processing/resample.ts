/**
 * Image resampling as Python's processors do it (PIL's `Image.resize` on
 * 8-bit RGB), and the float interpolation transformers.js adds for Idefics3:
 *
 * - `resizeRgb`: 8-bit RGBA → 8-bit RGB planes, PIL's arithmetic exactly:
 *   separable, horizontal pass first, half-pixel centres, edge windows
 *   clipped and renormalised, coefficients in fixed point with 22 fractional
 *   bits, each pass rounded and clamped to 8 bits. With `antialias` (PIL
 *   always) the kernel is widened by the scale when shrinking; without it the
 *   kernel samples at its own width, as libvips' `affine` does (the sharp
 *   path of transformers.js on Node), kept for comparisons. Checked pixel for
 *   pixel against Pillow (tests/fixtures/pil/resample.py).
 * - `interpolatePlanes`: float planes → float planes, bilinear, no antialias
 *   (ONNX `Resize` mode linear, half_pixel; transformers.js `interpolate_4d`).
 */
import type { RgbaImage } from '../../engine/image';

export type Filter = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos3';

/** PIL's resample codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming. */
export function filterForResample(code: number): Filter {
  switch (code) {
    case 0:
      return 'nearest';
    case 1:
      return 'lanczos3';
    case 3:
      return 'bicubic';
    case 4:
      return 'box';
    case 5:
      return 'hamming';
    default:
      return 'bilinear';
  }
}

/** Each convolution filter's support, as PIL gives it. */
const SUPPORT: Record<Exclude<Filter, 'nearest'>, number> = {
  box: 0.5,
  bilinear: 1,
  hamming: 1,
  bicubic: 2,
  lanczos3: 3,
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** PIL's filter functions (Resample.c), including their open and closed ends. */
function kernel(filter: Exclude<Filter, 'nearest'>, x: number): number {
  const a = Math.abs(x);
  switch (filter) {
    case 'box':
      return x > -0.5 && x <= 0.5 ? 1 : 0;
    case 'bilinear':
      return a < 1 ? 1 - a : 0;
    case 'hamming': {
      if (a === 0) return 1;
      if (a >= 1) return 0;
      const px = a * Math.PI;
      // PIL writes 0.54f and 0.46f: single-precision constants, widened.
      return (Math.sin(px) / px) * (Math.fround(0.54) + Math.fround(0.46) * Math.cos(px));
    }
    case 'bicubic': {
      // Keys' cubic with a = -0.5 (PIL and libvips).
      const A = -0.5;
      if (a < 1) return ((A + 2) * a - (A + 3)) * a * a + 1;
      if (a < 2) return (((a - 5) * a + 8) * a - 4) * A;
      return 0;
    }
    case 'lanczos3':
      return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
  }
}

/** PIL's PRECISION_BITS for 8-bit images: 32 − 8 − 2 (two bits for overshoot of negative lobes). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Per output index: the first input index, how many inputs, and their fixed-point weights (`taps` slots each). */
interface Taps {
  taps: number;
  first: Int32Array;
  count: Int32Array;
  weights: Int32Array;
}

function makeTaps(inSize: number, outSize: number, filter: Filter, antialias: boolean): Taps {
  const scale = inSize / outSize;
  if (filter === 'nearest') {
    // PIL's nearest is a lookup, not a convolution: the input pixel under the output pixel's centre,
    // the centre stepped by adding the scale (ImagingScaleAffine), whose rounding decides exact halves.
    const first = new Int32Array(outSize);
    let at = scale * 0.5;
    for (let i = 0; i < outSize; i++, at += scale) first[i] = Math.min(inSize - 1, Math.trunc(at));
    return {
      taps: 1,
      first,
      count: new Int32Array(outSize).fill(1),
      weights: new Int32Array(outSize).fill(ONE),
    };
  }
  const widen = antialias ? Math.max(scale, 1) : 1;
  const support = SUPPORT[filter] * widen;
  const taps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * taps);
  const w = new Float64Array(taps);
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    // C's (int) truncation, then clipped to the image.
    const lo = Math.max(0, Math.trunc(centre - support + 0.5));
    const hi = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const n = Math.max(0, Math.min(taps, hi - lo));
    let sum = 0;
    for (let k = 0; k < n; k++) {
      w[k] = kernel(filter, (lo + k - centre + 0.5) / widen);
      sum += w[k];
    }
    for (let k = 0; k < n; k++) {
      const v = sum !== 0 ? w[k] / sum : w[k];
      // Rounded half away from zero into fixed point, as normalize_coeffs_8bpc does.
      weights[i * taps + k] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    first[i] = lo;
    count[i] = n;
  }
  return { taps, first, count, weights };
}

/** A fixed-point sum (started at one half) to 8 bits: PIL's clip8 (an arithmetic shift, then clamped). */
const clip8 = (ss: number) => {
  const v = ss >> PRECISION_BITS;
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
};

type Bytes = Uint8Array | Uint8ClampedArray;

/** The horizontal pass: `H` rows of `W` pixels (`channels` bytes each) → rows of `taps.first.length` RGB pixels. */
function horizontalPass(src: Bytes, channels: number, H: number, W: number, taps: Taps): Uint8Array {
  const width = taps.first.length;
  const out = new Uint8Array(H * width * 3);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < width; x++) {
      const wOff = x * taps.taps;
      let p = (row + taps.first[x]) * channels;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      // The sums stay within 32 bits (PIL's two spare bits); JS numbers hold them exactly.
      for (let k = 0, n = taps.count[x]; k < n; k++, p += channels) {
        const w = taps.weights[wOff + k];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const o = (y * width + x) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

/** The vertical pass: rows of `width` pixels (`channels` bytes each) → `taps.first.length` rows of RGB. */
function verticalPass(src: Bytes, channels: number, width: number, taps: Taps): Uint8Array {
  const height = taps.first.length;
  const out = new Uint8Array(height * width * 3);
  const stride = width * channels;
  for (let y = 0; y < height; y++) {
    const wOff = y * taps.taps;
    const n = taps.count[y];
    const top = taps.first[y] * stride;
    for (let x = 0; x < width; x++) {
      let p = top + x * channels;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < n; k++, p += stride) {
        const w = taps.weights[wOff + k];
        r += src[p] * w;
        g += src[p + 1] * w;
        b += src[p + 2] * w;
      }
      const o = (y * width + x) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return out;
}

/**
 * Resizes 8-bit RGBA to `width`×`height` 8-bit RGB, planar (R plane, G
 * plane, B plane); alpha is dropped, as PIL's convert('RGB') does. An axis
 * whose size does not change is not resampled (as in PIL).
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
  let cur: Bytes = img.data;
  let channels = 4;
  if (W !== width) {
    cur = horizontalPass(cur, channels, H, W, makeTaps(W, width, filter, antialias));
    channels = 3;
  }
  if (H !== height) {
    cur = verticalPass(cur, channels, width, makeTaps(H, height, filter, antialias));
    channels = 3;
  }
  const plane = width * height;
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = cur[i * channels];
    out[plane + i] = cur[i * channels + 1];
    out[2 * plane + i] = cur[i * channels + 2];
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
