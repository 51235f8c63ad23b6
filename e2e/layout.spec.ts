import type { Page } from '@playwright/test';
import { expect, test } from './inspector';

// A laptop (and most projectors): 1280 × 800.
test.use({ viewport: { width: 1280, height: 800 } });

async function noHorizontalScroll(page: Page, view: string) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: document.documentElement.clientWidth,
  }));
  expect(scroll, `${view}: the page scrolls sideways`).toBeLessThanOrEqual(width);
}

test('at 1280 × 800 the map comes first, whole on the first screen, and nothing scrolls sideways', async ({
  inspector,
  page,
}) => {
  await inspector.open();
  await expect(page.getByTestId('example.badge')).toBeVisible({ timeout: 30_000 });
  await noHorizontalScroll(page, 'first paint');
  const map = (await page.getByTestId('attention.canvas').boundingBox())!;
  expect(map.y + map.height).toBeLessThanOrEqual(800);
  const strip = (await page.getByTestId('token-strip').boundingBox())!;
  expect(strip.y).toBeGreaterThan(map.y);

  await inspector.waitForModel();
  await inspector.runSample('007_fabric_stain');
  await inspector.token(4).click();
  await noHorizontalScroll(page, 'a run with a token selected');
  // The settings are grouped and fold away.
  const settings = page.locator('details.settings');
  await settings.locator('summary').click();
  await expect(page.getByTestId('settings.alpha')).toBeHidden();
  await settings.locator('summary').click();
  await expect(page.getByTestId('settings.alpha')).toBeVisible();

  await page.getByTestId('explain.open').click();
  for (let step = 1; step <= 7; step++) {
    await expect(page.getByTestId('explain')).toHaveAttribute('data-step', String(step));
    await noHorizontalScroll(page, `walkthrough step ${step}`);
    await page.locator('body').press('ArrowRight');
  }
  await page.getByTestId('explain.present').click();
  await noHorizontalScroll(page, 'presentation mode');
});
