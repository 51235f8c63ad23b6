/**
 * Part of `npm run docs:screenshots`: the first paint (the saved example,
 * before the model has loaded), each step of "Explain this run" and the
 * presentation mode, at 1280 × 800, from the production build (docs/*.png).
 */
import { withBuiltApp } from './built-app';
import { STEPS } from '../src/ui/components/walkthrough/steps';

await withBuiltApp(4179, async (browser, base) => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  // The model is held back: this is what a new user sees in the first second.
  await page.route('**/models/real-demo-v1/**', () => new Promise(() => {}));
  await page.goto(`${base}/`);
  await page.getByTestId('example.badge').waitFor({ timeout: 60_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: 'docs/first-paint.png' });
  await page.getByTestId('explain.open').click();
  // The steps work on the token that names the defect.
  const texts = await page.getByTestId('token-strip.token').allTextContents();
  await page
    .locator(
      `[data-testid="token-strip.token"][data-index="${texts.findIndex((t) => t.trim() === 'scratch')}"]`,
    )
    .click();
  for (let i = 0; i < STEPS.length; i++) {
    await page.locator(`[data-testid="explain"][data-step="${i + 1}"]`).waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: `docs/walkthrough-${i + 1}-${STEPS[i].id}.png` });
    if (i < STEPS.length - 1) await page.getByTestId('explain.next').click();
  }
  await page.getByTestId('explain.goto').nth(3).click();
  await page.getByTestId('explain.present').click();
  await page.waitForTimeout(300);
  await page.screenshot({ path: 'docs/walkthrough-presentation.png' });
});
