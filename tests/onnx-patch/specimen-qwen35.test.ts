import { describe, expect, it } from 'vitest';
import { HAVE_SPECIMENS } from './specimens';
import { qwen35Check } from './qwen35-check';

/**
 * The Qwen3.5-0.8B specimen decoder, patched and run with generated weights
 * (756 MB, three sessions one after another: about 30 s and 2 GB here).
 * `npx tsx scripts/specimen-qwen35-check.ts` prints the same check's numbers.
 */
describe.skipIf(!HAVE_SPECIMENS)('the Qwen3.5 specimen decoder on wasm with generated weights', () => {
  it('gives rows equal to GQA qk_output in layers 3, 7, …, 23, outputs bitwise unchanged', async () => {
    const r = (await qwen35Check(6, 3))!;
    expect(r.layers).toEqual([3, 7, 11, 15, 19, 23]);
    expect(r.bitwise).toBe(true);
    for (const [layer, d] of Object.entries(r.worst)) expect(d, `layer ${layer}`).toBeLessThan(1e-5);
    expect(Math.max(...r.lastRow)).toBeLessThan(0.9);
    expect(r.lastRow.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  }, 300_000);
});
