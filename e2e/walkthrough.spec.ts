import { readFileSync } from 'node:fs';
import type { Locator } from '@playwright/test';
import {
  anomalyTerms,
  consistencyReward,
  defaultSettings,
  entropyWorking,
  keptTokens,
  parseTrace,
  prepareTrace,
  scorePrepared,
  supportCounts,
} from '../src/real';
import { expect, test } from './inspector';

// The shipped example: a real run of the demo model, scored here by the same src/real the CLI uses.
const FILE = 'public/examples/001_brick_scratch.trace.json';
const trace = parseTrace(readFileSync(FILE, 'utf8'));
const settings = defaultSettings();
const prepared = prepareTrace(trace, settings);
const score = scorePrepared(prepared, settings);

const value = async (l: Locator) => Number(await l.getAttribute('data-value'));

test('the walkthrough steps through a run with the scorer’s numbers, by keyboard', async ({
  inspector,
  page,
}) => {
  await inspector.open('?autoload=0&example=0');
  await page.getByTestId('trace.open').setInputFiles(FILE);
  await expect(page.getByTestId('token-strip.token')).toHaveCount(trace.generated.length);
  await page.getByTestId('explain.open').click();
  const explain = page.getByTestId('explain');
  await expect(explain).toHaveAttribute('data-step', '1');
  await expect(page.getByTestId('explain.equation')).toHaveAttribute('href', /arxiv\.org\/html\/2603\.27179/);

  // 1. The anomaly words of the prompt.
  await expect(page.getByTestId('explain.anomaly-positions')).toHaveAttribute(
    'data-value',
    prepared.anomalyPositions.join(','),
  );
  await expect(page.locator('[data-testid="explain.prompt"] .token.anomaly')).toHaveCount(
    prepared.anomalyPositions.length,
  );

  // 2. The reasoning tokens.
  await page.keyboard.press('ArrowRight');
  await expect(explain).toHaveAttribute('data-step', '2');
  expect(await value(page.getByTestId('explain.reasoning-count'))).toBe(prepared.reasoning.length);

  // 3. S_T per token, and one token's sum term by term.
  await page.keyboard.press('PageDown');
  await expect(explain).toHaveAttribute('data-step', '3');
  const bars = page.getByTestId('explain.st-bar');
  await expect(bars).toHaveCount(prepared.reasoning.length);
  for (let r = 0; r < prepared.reasoning.length; r++) expect(await value(bars.nth(r))).toBe(prepared.sT[r]);
  // Choose "scratch" (the token that names the defect).
  const scratch = trace.generated.findIndex((g) => g.text.trim() === 'scratch');
  const r = prepared.reasoning.indexOf(scratch);
  expect(r).toBeGreaterThanOrEqual(0);
  await page.getByTestId('explain.token').selectOption(String(scratch));
  expect(await value(page.getByTestId('explain.sT'))).toBe(prepared.sT[r]);
  const terms = anomalyTerms(trace, scratch, prepared.anomalyPositions, settings);
  const shownTerms = page.locator('[data-testid="explain.st-terms"] tbody .num');
  await expect(shownTerms).toHaveCount(terms.length);
  for (let i = 0; i < terms.length; i++) expect(await value(shownTerms.nth(i))).toBe(terms[i].attention);

  // 4. S_I of the chosen token: components, masses, entropy. Focus is on the select: step with the button.
  await page.getByTestId('explain.next').click();
  await expect(explain).toHaveAttribute('data-step', '4');
  const working = entropyWorking(prepared.maps[r], prepared.rows, prepared.cols);
  expect(await value(page.getByTestId('explain.sI'))).toBe(prepared.sI[r]);
  expect(await value(page.getByTestId('explain.mean'))).toBeCloseTo(working.mean, 15);
  await expect(page.getByTestId('explain.components')).toHaveAttribute(
    'data-count',
    String(working.components.length),
  );
  const rows = page.getByTestId('explain.component');
  await expect(rows).toHaveCount(Math.min(12, working.components.length));
  let shownEntropy = 0;
  for (let i = 0; i < (await rows.count()); i++)
    shownEntropy += await value(rows.nth(i).locator('.num').nth(2));
  if (working.components.length <= 12) expect(shownEntropy).toBeCloseTo(prepared.sI[r], 12);

  // 5. Normalisation and thresholds.
  await page.locator('body').press('ArrowRight');
  await expect(explain).toHaveAttribute('data-step', '5');
  const t = score.tokens[r];
  expect(await value(page.getByTestId('explain.sTNorm'))).toBe(t.sTNorm);
  expect(await value(page.getByTestId('explain.sINorm'))).toBe(t.sINorm);
  expect(await value(page.getByTestId('explain.tauT'))).toBe(score.tauT);
  expect(await value(page.getByTestId('explain.tauI'))).toBe(score.tauI);
  await expect(page.getByTestId('explain.kept')).toHaveAttribute('data-value', String(t.selected));
  expect(await value(page.getByTestId('explain.kept-count'))).toBe(
    score.tokens.filter((x) => x.selected).length,
  );

  // 6. The weights and the map built token by token.
  await page.locator('body').press('ArrowRight');
  await expect(explain).toHaveAttribute('data-step', '6');
  const kept = keptTokens(score);
  const weights = page.getByTestId('explain.weight');
  await expect(weights).toHaveCount(kept.length);
  for (let j = 0; j < kept.length; j++) {
    await expect(weights.nth(j)).toHaveAttribute('data-index', String(kept[j].index));
    expect(await value(weights.nth(j).locator('.num').nth(2))).toBe(kept[j].weight);
  }
  const map = page.getByTestId('explain.build-map');
  const full = await map.screenshot();
  await page.getByTestId('explain.build-count').fill('1');
  await expect(page.locator('[data-testid="explain.weight"].added')).toHaveCount(1);
  expect((await map.screenshot()).equals(full)).toBe(false);
  // "Build it" adds the kept tokens one after another, from none to all.
  await page.getByTestId('explain.build-play').click();
  expect(await page.locator('[data-testid="explain.weight"].added').count()).toBeLessThan(kept.length);
  await expect(page.locator('[data-testid="explain.weight"].added')).toHaveCount(kept.length, {
    timeout: 10_000,
  });
  await expect(page.getByTestId('explain.build-play')).toHaveText('Build it');
  expect((await map.screenshot()).equals(full)).toBe(true);

  // 7. CGRO.
  await page.getByTestId('explain.next').click();
  await expect(explain).toHaveAttribute('data-step', '7');
  const counts = supportCounts(score.consistency.supports);
  expect(await value(page.getByTestId('explain.intersection'))).toBe(counts.intersection);
  expect(await value(page.getByTestId('explain.union'))).toBe(counts.union);
  expect(await value(page.getByTestId('explain.jaccard'))).toBe(score.consistency.jaccard);
  await expect(page.getByTestId('explain.reward')).toHaveText(
    String(consistencyReward(trace.label ?? 1, score.consistency.jaccard, settings.delta1, settings.delta2)),
  );
  await expect(page.getByTestId('explain.next')).toBeDisabled();

  // Back by keyboard, then the step buttons; Escape closes and the panels come back.
  await page.locator('body').press('ArrowLeft');
  await expect(explain).toHaveAttribute('data-step', '6');
  await page.getByTestId('explain.goto').first().click();
  await expect(explain).toHaveAttribute('data-step', '1');
  await page.locator('body').press('Escape');
  await expect(explain).toHaveCount(0);
  await expect(page.getByTestId('cgro')).toBeVisible();
  // Focus goes back to the button that opened it; Enter opens it again, at step 1, with focus inside.
  await expect(page.getByTestId('explain.open')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(explain).toHaveAttribute('data-step', '1');
  await expect(page.locator('#walkthrough-title')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(explain).toHaveAttribute('data-step', '2');
});

test('presentation mode shows only the step, in large type, and Escape leaves it', async ({
  inspector,
  page,
}) => {
  // A teacher's bookmark: step 4 of the saved example, presented.
  await inspector.open('?autoload=0&explain=4&present=1');
  const explain = page.getByTestId('explain');
  await expect(explain).toHaveAttribute('data-step', '4');
  await expect(page.getByTestId('explain.sI')).toBeVisible({ timeout: 30_000 });
  // Only the step's panels: no model panel, no token strip, no settings.
  await expect(page.getByTestId('token-strip')).toHaveCount(0);
  await expect(page.getByTestId('cgro')).toHaveCount(0);
  const size = await page
    .getByTestId('explain.title')
    .evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  expect(size).toBeGreaterThanOrEqual(28);
  await page.locator('body').press('ArrowRight');
  await expect(explain).toHaveAttribute('data-step', '5');
  await page.locator('body').press('Escape');
  await expect(page.getByTestId('explain.present')).toHaveText('Present');
  await expect(page.getByTestId('token-strip')).toBeVisible();
  await page.locator('body').press('Escape');
  await expect(explain).toHaveCount(0);
});

test('on a live run the walkthrough follows the run on screen', async ({ inspector, page }) => {
  await inspector.open('?example=0');
  await inspector.waitForModel();
  await expect(page.getByTestId('explain.open')).toBeDisabled();
  await inspector.runSample('003_grass_crack');
  await page.getByTestId('explain.open').click();
  await page.getByTestId('explain.next').click();
  const reasoning = await value(page.getByTestId('explain.reasoning-count'));
  expect(reasoning).toBeGreaterThan(0);
  await page.getByTestId('explain.next').click();
  await expect(page.getByTestId('explain.st-bar')).toHaveCount(reasoning);
  // Choosing a token in the run's strip chooses it for the step.
  const last = await page.getByTestId('explain.st-bar').last().getAttribute('data-index');
  await inspector.token(Number(last)).click();
  await expect(page.getByTestId('explain.token')).toHaveValue(last!);
});

test('runs with no anomaly word, or no reasoning token at all, step through with a message, never a blank screen', async ({
  inspector,
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const none = JSON.parse(readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8'));
  // "<answer>" first: no reasoning token at all.
  none.generated = none.generated.slice(6);
  const cases = [
    { file: 'tests/fixtures/traces/no-tags-no-anomaly-word.json', expect: 'No anomaly word in this prompt' },
    {
      file: {
        name: 'none.trace.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(none)),
      },
      expect: 'between',
    },
  ];
  await inspector.open('?autoload=0&example=0');
  for (const c of cases) {
    await page.getByTestId('trace.open').setInputFiles(c.file);
    await expect(page.getByTestId('token-strip.token').first()).toBeVisible();
    await page.getByTestId('explain.open').click();
    for (let step = 1; step <= 7; step++) {
      await expect(page.getByTestId('explain')).toHaveAttribute('data-step', String(step));
      await expect(page.getByTestId('explain.title')).toBeVisible();
      await expect(page.getByTestId('ui.error')).toHaveCount(0);
      await page.locator('body').press('ArrowRight');
    }
    await page.locator('body').press('Escape');
  }
  // The second run has no reasoning token: the map step says the map is all zeros.
  await page.getByTestId('explain.open').click();
  await page.getByTestId('explain.goto').nth(5).click();
  await expect(page.getByTestId('explain.none-kept')).toBeVisible();
  await page.getByTestId('explain.goto').nth(3).click();
  await expect(page.getByTestId('explain.step-entropy')).toContainText('no reasoning token');
  expect(errors).toEqual([]);
});
