import { describe, expect, it } from 'vitest';
import { aupro, maskRegions, regionCurves } from './aupro';
import { binaryCurves } from './metrics';

/**
 * AUPRO straight from its definition, written independently of curves.ts:
 * for every distinct score t (and +∞), FPR(t) over the normal pixels and
 * PRO(t) the mean over regions of the region's share at or above t, counted
 * afresh; the points joined by straight lines from (0, 0), integrated to the
 * limit (the last segment cut there) and divided by it. Regions by flood fill
 * over the eight neighbours.
 */
function referenceAupro(scores: number[], mask: number[], w: number, h: number, limit = 0.3): number {
  const region = new Array<number>(w * h).fill(-1);
  let k = 0;
  for (let i = 0; i < w * h; i++) {
    if (!mask[i] || region[i] >= 0) continue;
    const todo = [i];
    region[i] = k;
    while (todo.length) {
      const p = todo.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      for (let yy = y - 1; yy <= y + 1; yy++)
        for (let xx = x - 1; xx <= x + 1; xx++) {
          const q = yy * w + xx;
          if (xx >= 0 && xx < w && yy >= 0 && yy < h && mask[q] && region[q] < 0) {
            region[q] = k;
            todo.push(q);
          }
        }
    }
    k++;
  }
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  const normal = mask.filter((m) => !m).length;
  const points: [number, number][] = [[0, 0]];
  for (const t of thresholds) {
    const fp = scores.filter((s, i) => !mask[i] && s >= t).length;
    let pro = 0;
    for (let r = 0; r < k; r++) {
      const inR = scores.filter((_, i) => region[i] === r);
      pro += inR.filter((s) => s >= t).length / inR.length;
    }
    points.push([fp / normal, pro / k]);
  }
  let area = 0;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1];
    const [x1, y1] = points[i];
    if (x0 >= limit) break;
    if (x1 <= limit) area += ((x1 - x0) * (y0 + y1)) / 2;
    else {
      const y = y0 + ((y1 - y0) * (limit - x0)) / (x1 - x0);
      area += ((limit - x0) * (y0 + y)) / 2;
    }
  }
  return area / limit;
}

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

describe('AUPRO', () => {
  it('is 1 when every region outranks every normal pixel, whatever the regions’ sizes', () => {
    // Two regions (a single pixel and a 2×2 block) that do not touch, even diagonally.
    const w = 5;
    const h = 4;
    const mask = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
    const scores = mask.map((m, i) => (m ? 2 + i : i / 100));
    expect(maskRegions(mask, w, h).sizes).toEqual(Int32Array.from([1, 4]));
    expect(aupro(scores, mask, w, h)).toBeCloseTo(1, 12);
  });

  it('weighs regions equally, not pixels: a found small region counts as much as a missed big one', () => {
    // Region A (1 pixel) scores highest, region B (4 pixels) lowest: PRO is ½ until FPR reaches 1.
    const w = 5;
    const h = 4;
    const mask = [1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0];
    const scores = mask.map((m, i) => (i === 0 ? 10 : m ? -1 : 0.5 + i / 100));
    expect(aupro(scores, mask, w, h)).toBeCloseTo(0.5, 12);
  });

  it('counts diagonal neighbours as one region (8-connectivity)', () => {
    const mask = [1, 0, 0, 1];
    expect(maskRegions(mask, 2, 2).sizes.length).toBe(1);
    expect(maskRegions([1, 0, 0, 0, 0, 1], 3, 2).sizes.length).toBe(2);
  });

  it('equals the definition on random maps and masks, ties included', () => {
    const rand = rng(7);
    for (let trial = 0; trial < 40; trial++) {
      const w = 4 + Math.floor(rand() * 9);
      const h = 3 + Math.floor(rand() * 9);
      const mask = Array.from({ length: w * h }, () => (rand() < 0.25 ? 1 : 0));
      if (!mask.some(Boolean) || mask.every(Boolean)) continue;
      // Few distinct values so ties are common; a few trials with continuous scores.
      const levels = trial % 3 === 0 ? 0 : 5;
      const scores = mask.map((m) => {
        const v = rand() + m * 0.4;
        return levels ? Math.round(v * levels) / levels : v;
      });
      for (const limit of [0.3, 0.05, 1]) {
        expect(aupro(scores, mask, w, h, limit)).toBeCloseTo(referenceAupro(scores, mask, w, h, limit), 10);
      }
      // The same walk gives binaryCurves' AUROC, AP and F1.
      const all = regionCurves(scores, maskRegions(mask, w, h));
      const b = binaryCurves(scores, mask);
      expect(all.auroc).toBeCloseTo(b.auroc, 12);
      expect(all.aupr).toBeCloseTo(b.aupr, 12);
      expect(all.f1Max).toBeCloseTo(b.f1Max, 12);
    }
  });

  it('is undefined (NaN) without a region or without a normal pixel', () => {
    expect(aupro([0.1, 0.2], [0, 0], 2, 1)).toBeNaN();
    expect(aupro([0.1, 0.2], [1, 1], 2, 1)).toBeNaN();
  });
});
