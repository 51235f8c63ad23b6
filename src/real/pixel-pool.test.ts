import { describe, expect, it } from 'vitest';
import { maskRegions, regionCurves } from './aupro';
import { resizeBilinear } from './map';
import { PixelPool } from './pixel-pool';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Img {
  category: number;
  label: 0 | 1;
  width: number;
  height: number;
  rows: number;
  cols: number;
  maps: Float64Array[];
  mask: Uint8Array | null;
}

/** A small random set: several categories, grids of different shapes, tied values, blob masks. */
function randomSet(seed: number, categories: number, count: number): Img[] {
  const rand = rng(seed);
  const out: Img[] = [];
  for (let i = 0; i < count; i++) {
    const rows = 1 + Math.floor(rand() * 5);
    const cols = 1 + Math.floor(rand() * 5);
    const width = 3 + Math.floor(rand() * 20);
    const height = 3 + Math.floor(rand() * 20);
    const label: 0 | 1 = rand() < 0.6 ? 1 : 0;
    const maps = [0, 1].map((m) =>
      Float64Array.from({ length: rows * cols }, () =>
        m === 0 ? Math.round(rand() * 4) / 4 : rand() < 0.2 ? 0 : rand() * 1e-3,
      ),
    );
    let mask: Uint8Array | null = null;
    if (label) {
      mask = new Uint8Array(width * height);
      const blobs = 1 + Math.floor(rand() * 3);
      for (let b = 0; b < blobs; b++) {
        const cx = Math.floor(rand() * width);
        const cy = Math.floor(rand() * height);
        const r = 1 + rand() * 3;
        for (let y = 0; y < height; y++)
          for (let x = 0; x < width; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * width + x] = 1;
      }
    }
    out.push({ category: categories ? i % categories : -1, label, width, height, rows, cols, maps, mask });
  }
  return out;
}

/** The same numbers from every pixel held in memory, regions numbered across images. */
function inMemory(images: Img[], m: number, keep: (im: Img) => boolean) {
  const scores: number[] = [];
  const labels: number[] = [];
  const sizes: number[] = [];
  for (const im of images) {
    if (!keep(im)) continue;
    const s = resizeBilinear(im.maps[m], im.rows, im.cols, im.height, im.width);
    const r = im.mask ? maskRegions(im.mask, im.width, im.height) : null;
    const base = sizes.length;
    for (let i = 0; i < s.length; i++) {
      scores.push(s[i]);
      labels.push(r && r.labels[i] >= 0 ? base + r.labels[i] : -1);
    }
    if (r) sizes.push(...r.sizes);
  }
  return regionCurves(Float32Array.from(scores), {
    labels: Int32Array.from(labels),
    sizes: Int32Array.from(sizes),
  });
}

describe('the pooled pixel metrics', () => {
  for (const budget of [1e9, 97, 1]) {
    it(`equal an in-memory sort of every pixel, per pool (budget ${budget} pixels)`, () => {
      const images = randomSet(11, 3, 30);
      const pool = new PixelPool(3, 2, budget);
      for (const im of images) pool.add(im);
      for (const m of [0, 1]) {
        const got = pool.summaries(m);
        const pools: [number, (im: Img) => boolean][] = [
          [0, () => true],
          [1, (im) => im.label === 1],
          ...[0, 1, 2].flatMap((c): [number, (im: Img) => boolean][] => [
            [2 * (c + 1), (im) => im.category === c],
            [2 * (c + 1) + 1, (im) => im.category === c && im.label === 1],
          ]),
        ];
        for (const [p, keep] of pools) {
          const want = inMemory(images, m, keep);
          expect(got[p].positives).toBe(want.positives);
          expect(got[p].negatives).toBe(want.negatives);
          expect(got[p].regions).toBe(want.regions);
          // Exact: the same walk over the same sorted sequence.
          expect(got[p].auroc).toBe(want.auroc);
          expect(got[p].aupr).toBe(want.aupr);
          expect(got[p].f1Max).toBe(want.f1Max);
          expect(got[p].aupro).toBeCloseTo(want.aupro, 14);
        }
      }
    });
  }

  it('has only the whole set’s pools without categories, and NaN where a class is missing', () => {
    const images = randomSet(5, 0, 6).map((im) => ({ ...im, label: 0 as const, mask: null }));
    const pool = new PixelPool(0, 2);
    for (const im of images) pool.add(im);
    const s = pool.summaries(0);
    expect(s).toHaveLength(2);
    expect(s[0].positives).toBe(0);
    expect(s[0].auroc).toBeNaN();
    expect(s[0].aupro).toBeNaN();
    expect(s[1].negatives).toBe(0);
  });

  it('refuses a mask of the wrong size', () => {
    const pool = new PixelPool(0, 1);
    expect(() =>
      pool.add({
        category: -1,
        label: 1,
        width: 4,
        height: 4,
        rows: 1,
        cols: 1,
        maps: [[1]],
        mask: new Uint8Array(15),
      }),
    ).toThrow(/15 pixels, expected 16/);
  });
});
