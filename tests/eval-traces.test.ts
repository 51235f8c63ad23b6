import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { serializeTrace, type Trace } from '../src/real';
import { buildTrace, oneHot } from './trace-builder';

function pngDataUrl(width: number, height: number, on: (x: number, y: number) => boolean): string {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const v = on(x, y) ? 255 : 0;
      png.data[i] = png.data[i + 1] = png.data[i + 2] = v;
      png.data[i + 3] = 255;
    }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

/** A 2×2-grid answer whose one reasoning token looks at `cell`. */
function run(cell: number, label: 0 | 1, yes: number): Trace {
  const t = buildTrace({
    rows: 2,
    cols: 2,
    layers: 1,
    prompt: ['▁defects', '?'],
    generated: [
      { text: '<think>', special: true },
      { text: '▁a', maps: [oneHot(4, { [cell]: 0.5 })], extra: [{ 4: 0.2 }] },
      { text: '</think>', special: true },
      { text: '<answer>', special: true },
      { text: label ? '▁yes' : '▁no' },
      { text: '</answer>', special: true },
    ],
  });
  t.label = label;
  t.answerProbability = yes;
  return t;
}

describe('real eval-traces', () => {
  it('scores images by P(yes) and pixels by each ablation map', () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-eval-'));
    // Anomalous: defect in the top-left quadrant of a 4×4 image; the token looks at cell 0 (top-left).
    const a = run(0, 1, 0.9);
    a.mask = pngDataUrl(4, 4, (x, y) => x < 2 && y < 2);
    // Anomalous: defect bottom-right, but the token looks at cell 0: a miss.
    const b = run(0, 1, 0.6);
    b.mask = pngDataUrl(4, 4, (x, y) => x >= 2 && y >= 2);
    // Normal, no mask: needs the image for its size.
    const c = run(3, 0, 0.2);
    c.image = pngDataUrl(4, 4, () => false);
    [a, b, c].forEach((t, i) => writeFileSync(join(dir, `${i}.json`), serializeTrace(t)));

    const r = spawnSync('npm', ['run', '--silent', 'real', '--', 'eval-traces', dir], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.images).toBe(3);
    expect(out.anomalous).toBe(2);
    // P(yes) .9 and .6 for anomalous vs .2 for normal: perfect ranking; answers all right
    expect(out.image.auroc).toBe(1);
    expect(out.image.acc).toBe(1);
    // One reasoning token per answer: all four maps are that token's map (weight 1/1 or 1).
    // Pixels of the anomalous images only: 32 pixels, 8 positive. Image a's map is high exactly on its
    // defect; image b's map is high on its top-left, its defect is bottom-right.
    // Scores after the bilinear resize: in each image the 4 top-left pixels score .5, then the edges
    // .375/.25 …; per positive pixel, the negatives ranked strictly lower or tied decide the AUROC.
    const both = out.pixel.both;
    expect(both.anomalous.positives).toBe(8);
    expect(both.anomalous.negatives).toBe(24);
    expect(both.all.positives).toBe(8);
    expect(both.all.negatives).toBe(40);
    // The same token in every map mode gives the same numbers.
    for (const m of ['all', 'sI', 'sT'])
      expect(out.pixel[m].anomalous.auroc).toBeCloseTo(both.anomalous.auroc, 12);
    // Hit on a, miss on b: better than chance, far from perfect.
    expect(both.anomalous.auroc).toBeGreaterThan(0.5);
    expect(both.anomalous.auroc).toBeLessThan(0.9);
    expect(r.stderr).toMatch(/ReAL \(S_T and S_I\)/);
  });

  it('says which file is missing what', () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-eval-'));
    writeFileSync(join(dir, 'x.json'), serializeTrace(run(0, 1, 0.5)));
    const r = spawnSync('npm', ['run', '--silent', 'real', '--', 'eval-traces', dir], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/x\.json: mask: an anomalous image needs its mask/);
  });
});
