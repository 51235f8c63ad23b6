/**
 * Part of `npm run docs:screenshots`: failure analysis over a run set (the
 * gallery, the word table, the S_T–S_I scatter) and two runs side by side,
 * on generated traces in MVTec AD's layout (tests/run-set-fixture.ts),
 * written to a temporary folder, from the production build (docs/*.png).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeTrace } from '../src/real';
import { fixtureRun, fixtureRuns, seeded, writeRuns } from '../tests/run-set-fixture';
import { withBuiltApp } from './built-app';

const dir = mkdtempSync(join(tmpdir(), 'real-screens-'));
writeRuns(join(dir, 'set'), fixtureRuns(200, 4, { grid: { rows: 14, cols: 14 }, size: 128, cut: 0 }));
// A run whose map misses the scratch (a base model, say) beside one that finds it, on another grid.
const one = (n: number, miss: boolean) =>
  fixtureRun({
    category: 'wood',
    defect: 'scratch',
    name: '007',
    rows: n,
    cols: n,
    size: 160,
    blob: { x: 0.36, y: 0.58, r: 0.16 },
    outcome: 'right',
    random: seeded(7),
    version2: true,
    miss,
  });
writeFileSync(join(dir, 'wood-007.grid12.json'), serializeTrace(one(12, true)));
writeFileSync(join(dir, 'wood-007.grid16.json'), serializeTrace(one(16, false)));

await withBuiltApp(4181, async (browser, base) => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}/?autoload=0&example=0`);
  await page.getByTestId('mode.gallery').click();
  await page.getByTestId('run-set.A.input').setInputFiles(join(dir, 'set'));
  await page.locator('[data-testid="run-set.A.status"][data-loading="false"]').waitFor({ timeout: 180_000 });
  // The anomalies it called normal, and the false alarms, worst localisation first.
  await page.getByTestId('filter.outcome.FN').check();
  await page.getByTestId('filter.outcome.FP').check();
  await page.getByTestId('gallery.sort').selectOption('pixelAuroc');
  await page.waitForTimeout(800);
  await page.screenshot({ path: 'docs/run-set-gallery.png' });
  // The figure export of the same selection, as a paper would take it.
  await page.getByTestId('gallery.figure-count').fill('12');
  const figure = page.waitForEvent('download');
  await page.getByTestId('gallery.figure').click();
  await (await figure).saveAs('docs/run-set-figure.png');
  await page.getByTestId('filter.outcome.FN').uncheck();
  await page.getByTestId('filter.outcome.FP').uncheck();
  await page.getByTestId('gallery.tab.words').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/run-set-words.png', fullPage: true });
  await page.getByTestId('gallery.tab.tokens').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/run-set-tokens.png', fullPage: true });

  // Two runs of one image, a 12 × 12 and a 16 × 16 grid, the token that names the defect on both.
  await page.getByTestId('mode.inspector').click();
  await page.getByTestId('trace.open').setInputFiles(join(dir, 'wood-007.grid12.json'));
  await page.locator('[data-testid="run.status"][data-state="done"]').waitFor();
  await page.getByTestId('compare.open').setInputFiles(join(dir, 'wood-007.grid16.json'));
  await page.getByTestId('compare.diff').waitFor();
  const texts = await page.getByTestId('compare.A.token').allTextContents();
  await page.locator(`[data-testid="compare.A.token"][data-index="${texts.indexOf('▁scr')}"]`).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: 'docs/run-set-side-by-side.png', fullPage: true });
  const pair = page.waitForEvent('download');
  await page.getByTestId('compare.figure').click();
  await (await pair).saveAs('docs/run-set-side-by-side-figure.png');
});
