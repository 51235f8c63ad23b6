import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hfAdapter } from '../../src/workers/adapters/hf-families';
import { resizeRgb, type Filter } from '../../src/workers/adapters/processing/resample';
import type { RgbaImage } from '../../src/workers/engine/image';
import { CHATML_VISION_TEMPLATE, gemmaTokenizer, gemmaTokenizerConfig, qwenTokenizer } from './fixtures';

/**
 * The project resizes as Python's processors do, with PIL: every byte equal
 * to Pillow's Image.resize, for all six of its filters, shrinking (where PIL
 * widens the kernel by the scale) and growing. The bytes were written by
 * tests/fixtures/pil/resample.py; where Debian's python3-pil is installed,
 * more sizes and the Gemma 3 processor's downscale are checked against it
 * now. (transformers.js on Node resizes with sharp's affine, which does not
 * widen the kernel; the project did the same for Qwen2-VL and Gemma 3, so a
 * 150 × 100 image smart-resized to 140 × 112 was up to 0.085 off PIL in
 * normalised units for the specimens' checker image and 0.256 for the
 * texture below.)
 */
interface PilCase {
  filter: Filter;
  from: [number, number];
  to: [number, number];
  rgb: string;
}
const fixture = JSON.parse(readFileSync('tests/fixtures/pil/resample.json', 'utf8')) as {
  pillow: string;
  cases: PilCase[];
};

/** The fixture script's image: a hard texture, opaque. */
function texture(width: number, height: number): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    for (let c = 0; c < 3; c++) data[i * 4 + c] = (i * 53 + c * 91 + ((i * i) % 17) * 7) % 256;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

/** Interleaved RGB bytes of the project's planar output. */
function interleaved(planes: Uint8Array): Uint8Array {
  const plane = planes.length / 3;
  const out = new Uint8Array(planes.length);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = planes[c * plane + i];
  return out;
}

/** How many bytes differ, and by how much at most. */
function compare(ours: Uint8Array, pil: Uint8Array): { differ: number; worst: number } {
  expect(ours.length).toBe(pil.length);
  let differ = 0;
  let worst = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(ours[i] - pil[i]);
    if (d) differ++;
    worst = Math.max(worst, d);
  }
  return { differ, worst };
}

describe(`resizeRgb against Pillow ${fixture.pillow} (tests/fixtures/pil/resample.json)`, () => {
  for (const c of fixture.cases) {
    it(`${c.filter} ${c.from.join('×')} → ${c.to.join('×')}: every byte`, () => {
      const ours = interleaved(resizeRgb(texture(...c.from), ...c.to, c.filter, true));
      expect(compare(ours, new Uint8Array(Buffer.from(c.rgb, 'base64')))).toEqual({ differ: 0, worst: 0 });
    });
  }
});

/** Sorted copies, so values compare without the processor's patch order. */
const sorted = (a: ArrayLike<number>) => Float64Array.from(a).sort();

describe("Qwen2-VL's processor on a 150 × 100 image (smart resize to 140 × 112, bicubic)", () => {
  const MEAN = [0.48145466, 0.4578275, 0.40821073];
  const STD = [0.26862954, 0.26130258, 0.27577711];
  const adapter = hfAdapter({
    config: { model_type: 'qwen2_vl', image_token_id: 151655, vision_start_token_id: 151652 },
    preprocessor: {
      min_pixels: 3136,
      max_pixels: 12845056,
      patch_size: 14,
      merge_size: 2,
      temporal_patch_size: 2,
      resample: 3,
      image_mean: MEAN,
      image_std: STD,
    },
    tokenizer: qwenTokenizer(),
    tokenizerConfig: { eos_token: '<|im_end|>' },
    chatTemplate: CHATML_VISION_TEMPLATE,
  });
  it("gives PIL's pixel values: rescaled and normalised as Python does, within float32 rounding", () => {
    const pil = fixture.cases.find((c) => c.from.join() === '150,100' && c.to.join() === '140,112')!;
    const rgb = Buffer.from(pil.rgb, 'base64');
    const run = adapter.prepare(texture(150, 100), { question: 'q', tier: null });
    expect(run.resized).toEqual({ width: 140, height: 112 });
    const pv = run.visionFeeds.pixel_values;
    expect(pv.dims).toEqual([(112 / 14) * (140 / 14), 3 * 2 * 14 * 14]);
    // Each pixel appears twice (temporal_patch_size 2 repeats the frame).
    const expected: number[] = [];
    for (let i = 0; i < rgb.length; i++) {
      const v = (rgb[i] / 255 - MEAN[i % 3]) / STD[i % 3];
      expected.push(v, v);
    }
    const a = sorted(pv.data as Float32Array);
    const b = sorted(expected);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThan(1e-6);
  });
});

const hasPil = spawnSync('/usr/bin/python3', ['-c', 'import PIL'], { encoding: 'utf8' }).status === 0;
if (!hasPil)
  console.warn('PIL checks run now skipped: /usr/bin/python3 has no PIL (apt-get install python3-pil)');

/** PIL's resize of RGBA bytes (converted to RGB first, as the processors do), run now. */
function pilResize(img: RgbaImage, width: number, height: number, filter: Filter): Uint8Array {
  const code = { nearest: 0, lanczos3: 1, bilinear: 2, bicubic: 3, box: 4, hamming: 5 }[filter];
  const r = spawnSync(
    '/usr/bin/python3',
    [
      '-c',
      `import sys\nfrom PIL import Image\nim = Image.frombytes("RGBA", (${img.width}, ${img.height}), sys.stdin.buffer.read()).convert("RGB")\nsys.stdout.buffer.write(im.resize((${width}, ${height}), resample=${code}).tobytes())`,
    ],
    { input: Buffer.from(img.data), maxBuffer: 1 << 26 },
  );
  expect(r.status, String(r.stderr)).toBe(0);
  return new Uint8Array(r.stdout);
}

describe.skipIf(!hasPil)('against python3-pil, run now', () => {
  it('more sizes, every filter: every byte (seeded sizes up to 300 px, ratios from 1/10 to 10)', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return 1 + (seed % n);
    };
    const filters: Filter[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos3'];
    for (let k = 0; k < 12; k++) {
      const [w, h] = [next(300), next(300)];
      const [ow, oh] = [
        Math.max(1, Math.min(300, Math.round(w * 0.1 * next(100)) / 10)),
        Math.max(1, Math.min(300, Math.round(h * 0.1 * next(100)) / 10)),
      ].map(Math.ceil);
      const f = filters[k % filters.length];
      const img = texture(w, h);
      const ours = interleaved(resizeRgb(img, ow, oh, f, true));
      expect({ f, w, h, ow, oh, ...compare(ours, pilResize(img, ow, oh, f)) }).toEqual({
        f,
        w,
        h,
        ow,
        oh,
        differ: 0,
        worst: 0,
      });
    }
  });

  it("Gemma 3's processor shrinking a 1000 × 700 image to 896 × 896 (bilinear): PIL's values", () => {
    const tc = gemmaTokenizerConfig();
    const adapter = hfAdapter({
      config: { model_type: 'gemma3' },
      preprocessor: {},
      tokenizer: gemmaTokenizer(),
      tokenizerConfig: tc,
      chatTemplate: tc.chat_template as string,
    });
    const img = texture(1000, 700);
    const rgb = pilResize(img, 896, 896, 'bilinear');
    const values = adapter.prepare(img, { question: 'q', tier: null }).visionFeeds.pixel_values
      .data as Float32Array;
    const S = 896 * 896;
    let worst = 0;
    for (let c = 0; c < 3; c++)
      for (let i = 0; i < S; i++)
        worst = Math.max(worst, Math.abs(values[c * S + i] - (rgb[i * 3 + c] / 255 - 0.5) / 0.5));
    expect(worst).toBeLessThan(1e-6);
  });
});
