/**
 * `npm run docs:screenshots`: the main views of the inspector, as the README
 * shows them (docs/*.png), from the production build in headless Chromium.
 */
import { withBuiltApp } from './built-app';

await withBuiltApp(4176, async (browser, base) => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.goto(`${base}/?evalLimit=24`);
  await page.getByTestId('model.name').waitFor({ timeout: 180_000 });
  await page.getByTestId('view.prediction').check();
  await page.locator('[data-testid="samples.item"][data-id="007_fabric_stain"]').click();
  await page.locator('[data-testid="run.status"][data-state="done"]').waitFor({ timeout: 180_000 });
  await page.screenshot({ path: 'docs/inspector-real-map.png', fullPage: true });
  // The token that names the defect, if the model wrote one; else the fourth token.
  const texts = await page.getByTestId('token-strip.token').allTextContents();
  const i = texts.findIndex((t) => /scratch|crack|hole|stain|spot|missing|fold/.test(t));
  await page.locator(`[data-testid="token-strip.token"][data-index="${i >= 0 ? i : 3}"]`).click();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/inspector-token.png', fullPage: true });
  await page.getByTestId('token-strip').press('Escape');
  await page.getByTestId('eval.start').click();
  await page.getByTestId('eval.report').waitFor({ timeout: 300_000 });
  await page.screenshot({ path: 'docs/inspector-eval.png', fullPage: true });
});
