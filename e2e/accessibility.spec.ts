import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeTrace } from '../src/real';
import { fixtureRuns, writeRuns } from '../tests/run-set-fixture';
import { expect, test } from './inspector';

/**
 * WCAG 2.1 A and AA checks (axe-core) of the main views, and the whole flow
 * by keyboard: pick a sample, run it, move across its tokens, read a token's
 * scores, with no mouse.
 */

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

type Result = Awaited<ReturnType<AxeBuilder['analyze']>>['violations'][number];

const describe = (vs: Result[]) =>
  vs
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n` +
        v.nodes
          .map((n) => `    ${n.target.join(' ')}\n      ${n.failureSummary?.replace(/\n/g, ' ')}`)
          .join('\n'),
    )
    .join('\n');

/**
 * Runs axe on the page as it is; fails on any serious or critical WCAG
 * violation, saying what and where. Lesser ones, and axe's best practices
 * (landmarks, heading order), are printed, not failed.
 */
async function expectNoSeriousViolations(page: Page, view: string) {
  // Let the staged panels (use-stage.ts) finish mounting.
  await expect(page.locator('body[data-stages="done"]')).toBeAttached();
  const results = await new AxeBuilder({ page }).withTags([...TAGS, 'best-practice']).analyze();
  const isWcag = (v: Result) => v.tags.some((t) => TAGS.includes(t));
  const bad = results.violations.filter(
    (v) => isWcag(v) && (v.impact === 'serious' || v.impact === 'critical'),
  );
  const rest = results.violations.filter((v) => !bad.includes(v));
  if (rest.length) console.log(`axe, ${view}, not failed:\n${describe(rest)}`);
  const report = describe(bad);
  expect(
    bad.map((v) => `${v.id} (${v.impact})`),
    `serious or critical axe violations on ${view}:\n${report}`,
  ).toEqual([]);
}

test('first paint with the saved example has no serious or critical axe violations', async ({
  inspector,
  page,
}) => {
  // Hold the model back, so the view checked is the one before it has loaded.
  const release = await inspector.holdBack();
  await inspector.open();
  await expect(page.getByTestId('example.badge')).toHaveText('saved example', { timeout: 30_000 });
  await expect(page.getByTestId('scores.thresholds')).toBeVisible();
  await expectNoSeriousViolations(page, 'the first paint');
  release();
});

test('a live run with a token selected has no serious or critical axe violations', async ({
  inspector,
  page,
}) => {
  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  await inspector.runSample('007_fabric_stain');
  await inspector.token(5).click();
  await page.mouse.move(0, 0);
  await expect(page.getByTestId('attention.title')).toContainText('(token 5)');
  await expect(page.getByTestId('cgro')).toBeVisible();
  // The map canvas is an image that says what it shows.
  const canvas = page.getByTestId('attention.canvas');
  await expect(canvas).toHaveAttribute('role', 'img');
  await expect(canvas).toHaveAccessibleName(
    /^Attention of “.*” \(token 5\) of 007_fabric_stain, drawn over the image/,
  );
  const strip = page.getByRole('listbox', { name: /Generated tokens/ });
  await expect(strip.getByRole('option', { selected: true })).toHaveAttribute('data-index', '5');
  await expectNoSeriousViolations(page, 'a live run with token 5 selected');

  // The controls that only show in some states: words, a fixed colour range, a fixed threshold.
  await page.getByTestId('view.token-view').selectOption('words');
  await page.getByTestId('view.normalise').selectOption('fixed');
  await page.getByTestId('settings.tau-t').selectOption('fixed');
  await page.getByTestId('token-strip').press('Escape');
  await expect(canvas).toHaveAccessibleName(/^ReAL anomaly map of 007_fabric_stain/);
  await expect(page.getByRole('spinbutton', { name: 'top of the fixed colour range' })).toBeVisible();
  await expect(page.getByRole('spinbutton', { name: 'τ_t (threshold on Ŝ_T): fixed value' })).toBeVisible();
  await expectNoSeriousViolations(page, 'words, a fixed colour range and a fixed τ_t');
});

test('the evaluation report has no serious or critical axe violations', async ({ inspector, page }) => {
  await inspector.open('?backend=wasm&evalLimit=8');
  await inspector.waitForModel();
  await page.getByTestId('eval.start').click();
  await expect(page.getByTestId('eval.report')).toBeVisible({ timeout: 180_000 });
  await expectNoSeriousViolations(page, 'the evaluation report');
});

test('the Hugging Face repo form, open, has no serious or critical axe violations', async ({
  inspector,
  page,
}) => {
  await inspector.open('?autoload=0&example=0');
  await page.getByTestId('hub.repo').fill('HuggingFaceTB/SmolVLM-256M-Instruct');
  await page.getByText('Hub and dtypes').click();
  await expect(page.getByTestId('hub.base')).toBeVisible();
  await expect(page.getByTestId('hub.dtype.decoder')).toBeVisible();
  await expectNoSeriousViolations(page, 'the Hugging Face repo form');
});

test('every walkthrough step, and presentation mode, has no serious or critical axe violations', async ({
  inspector,
  page,
}) => {
  await inspector.open('?autoload=0');
  await expect(page.getByTestId('example.badge')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('explain.open').click();
  for (let step = 1; step <= 7; step++) {
    await expect(page.getByTestId('explain')).toHaveAttribute('data-step', String(step));
    await expectNoSeriousViolations(page, `walkthrough step ${step}`);
    if (step < 7) await page.getByTestId('explain.next').click();
  }
  await page.getByTestId('explain.present').click();
  await expectNoSeriousViolations(page, 'presentation mode');
});

test('the run set views (gallery, words, token scatter, a run from the gallery, settings that differ) and side by side have no serious or critical axe violations', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'a11y-run-set-'));
  const runs = fixtureRuns(40, 5);
  writeRuns(dir, runs);
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  await expectNoSeriousViolations(page, 'the empty run set view');
  await page.getByTestId('run-set.A.input').setInputFiles(dir);
  await expect(page.locator('[data-testid="run-set.A.status"][data-loading="false"]')).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByTestId('gallery.tile').first()).toBeVisible();
  await page.getByTestId('filter.outcome.FN').check();
  await expectNoSeriousViolations(page, 'the failure gallery');
  await page.getByTestId('gallery.tab.words').click();
  await expect(page.getByTestId('words.table')).toBeVisible();
  await expectNoSeriousViolations(page, 'the word table');
  await page.getByTestId('gallery.tab.tokens').click();
  await expect(page.getByTestId('set-scatter.canvas')).toBeVisible();
  await expectNoSeriousViolations(page, 'the S_T–S_I scatter of the set');
  await page.getByTestId('gallery.tab.tiles').click();
  await page.getByTestId('gallery.tile').first().click();
  await expect(page.getByTestId('gallery-bar')).toBeVisible();
  await expect(page.locator('[data-testid="run.status"][data-state="done"]')).toBeVisible();
  await expectNoSeriousViolations(page, 'a run opened from the gallery');
  const other = join(dir, 'other.json');
  writeFileSync(other, serializeTrace(runs[1].trace));
  await page.getByTestId('compare.open').setInputFiles(other);
  await expect(page.getByTestId('compare.diff')).toBeVisible();
  await page.getByTestId('compare.A.token').nth(2).click();
  await expectNoSeriousViolations(page, 'two runs side by side');
  // The app's settings changed after the set was opened: the set says which differ, with its two buttons.
  await page.getByTestId('mode.inspector').click();
  await page.getByLabel('top-k for CGRO').fill('5');
  await page.getByTestId('mode.gallery').click();
  await expect(page.getByTestId('run-set.A.settings-differ')).toContainText('k 3 (app: 5)');
  await expectNoSeriousViolations(page, 'a run set scored with other settings than the app’s');
});

test('the whole flow by keyboard: pick a sample, run it, move across tokens, read their scores', async ({
  inspector,
  page,
}) => {
  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  const sample = page.locator('[data-testid="samples.item"][data-id="007_fabric_stain"]');
  await expect(sample).toBeEnabled();

  /** Presses Tab (Shift+Tab: `back`) from wherever focus is until `target` has the focus. */
  const tabTo = async (target: ReturnType<Page['locator']>, what: string, back = false) => {
    for (let i = 0; i < 200; i++) {
      if (await target.evaluate((el) => el === document.activeElement)) return;
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    }
    throw new Error(`Tab never reached ${what}`);
  };

  // From the page's start.
  await page.locator('body').evaluate((b) => (b as HTMLElement).focus());
  await tabTo(sample, 'the sample 007_fabric_stain');
  // Every control passed on the way has a visible focus ring and a name (axe checks the names).
  await expect(sample).toBeFocused();
  await page.keyboard.press('Enter');
  // Focus stays where the user was while the run streams, and after.
  await inspector.waitForRun();
  await expect(sample).toBeFocused();
  await expect(sample).toBeEnabled();
  const tokens = await inspector.tokenTexts();
  expect(tokens.length).toBeGreaterThan(5);

  const strip = page.getByTestId('token-strip');
  await tabTo(strip, 'the token strip');
  // The strip says what it is, and which token is current.
  await expect(strip).toHaveAccessibleName(/tokens/i);
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('attention.title')).toContainText('(token 0)');
  await expect(strip).toHaveAttribute('aria-activedescendant', /.+/);

  // Move right until a reasoning token: its scores are shown.
  let shown = -1;
  for (let i = 0; i < tokens.length; i++) {
    if (await page.getByTestId('scores.sT').isVisible()) {
      shown = i;
      break;
    }
    await page.keyboard.press('ArrowRight');
  }
  expect(shown).toBeGreaterThanOrEqual(0);
  await expect(page.getByTestId('attention.title')).toContainText(`(token ${shown})`);
  await expect(page.getByTestId('scores.sT')).toHaveText(/^\d+(\.\d+)?(e-?\d+)?$/);
  await expect(page.getByTestId('scores.sI')).toHaveText(/^\d+(\.\d+)?(e-?\d+)?$/);
  await expect(page.getByTestId('scores.selected')).toHaveText(/^(yes|no)$/);
  await expect(page.getByTestId('scores.weight')).toHaveText(/^\d+(\.\d+)?(e-?\d+)?$/);
  // The current token is the option the strip points at.
  const active = await strip.getAttribute('aria-activedescendant');
  await expect(page.locator(`#${active}`)).toHaveAttribute('data-index', String(shown));
  await expect(page.locator(`#${active}`)).toHaveAttribute('aria-selected', 'true');

  // Left goes back, Home and End go to the ends, Escape back to the ReAL map.
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('attention.title')).toContainText(`(token ${shown - 1})`);
  await page.keyboard.press('End');
  await expect(page.getByTestId('attention.title')).toContainText(`(token ${tokens.length - 1})`);
  await page.keyboard.press('Home');
  await expect(page.getByTestId('attention.title')).toContainText('(token 0)');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('attention.title')).toHaveText('ReAL anomaly map');

  // Space toggles the red outline of the map; the map's name says it is there.
  const outline = page.getByTestId('view.prediction');
  const canvas = page.getByTestId('attention.canvas');
  await expect(canvas).not.toHaveAccessibleName(/outlined in red/);
  await tabTo(outline, 'the red outline checkbox', true);
  await page.keyboard.press('Space');
  await expect(outline).toBeChecked();
  await expect(canvas).toHaveAccessibleName(/outlined in red/);

  // A setting by keyboard too: α down with the arrow keys changes the scores.
  const alpha = page.getByTestId('settings.alpha');
  await tabTo(alpha, 'the α slider');
  const before = await alpha.inputValue();
  await page.keyboard.press('ArrowLeft');
  await expect(alpha).not.toHaveValue(before);
  // And the controls that have no test id of their own are reachable and named.
  await expectNoSeriousViolations(page, 'after the keyboard flow');
});
