/**
 * Screenshots of the inspector with real-model shapes (part of
 * `npm run docs:screenshots`): a generated tiny SmolVLM repo (a tiled model:
 * the stitched tiles and the global image) and a tiny Qwen2-VL repo on a
 * wide image, each served by a hub-like local server and loaded through the
 * Hugging Face repo form. Their weights plant the attention on the bright
 * square, so the map shows where each view's cells lie on the image.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { PNG } from 'pngjs';
import { serveHub } from '../e2e/hub-server';
import { writeTinyRepo, type TinyFamily } from '../tests/onnx/tiny-repo';
import { plantedImage, tinyGrid } from '../tests/onnx/tiny-repo-image';
import { withBuiltApp } from './built-app';

const root = mkdtempSync(join(tmpdir(), 'shots-'));
const repos: Record<string, string> = {};
for (const f of ['smolvlm', 'qwen2_vl'] as TinyFamily[])
  writeTinyRepo((repos[`tiny/${f}`] = join(root, f)), f);
const hub = await serveHub({ repos });

function planted(family: TinyFamily, width: number, height: number, row: number, col: number): string {
  const { image } = plantedImage(family, width, height, row, col);
  const png = new PNG({ width, height });
  png.data = Buffer.from(image.data);
  const path = join(root, `${family}-${width}x${height}.png`);
  writeFileSync(path, PNG.sync.write(png));
  return path;
}

async function loadRepo(page: Page, base: string, repo: string) {
  await page.goto(`${base}/?autoload=0&backend=wasm`);
  await page.getByTestId('hub.repo').fill(repo);
  await page.getByText('Hub and dtypes').click();
  await page.getByTestId('hub.base').fill(hub.url);
  await page.getByTestId('hub.check').click();
  await page.getByTestId('hub.load').click();
  await page.getByTestId('model.name').waitFor({ timeout: 180_000 });
  // The model's own sizing of each image (the paper's 420 × 420 is the default): the grids shown keep its shape.
  await page.getByTestId('image-size.native').check();
}

async function run(page: Page, image: string) {
  await page.getByTestId('image.upload').setInputFiles(image);
  await page.locator('[data-testid="run.status"][data-state="done"]').waitFor({ timeout: 180_000 });
  await page.mouse.move(0, 0);
  await page.waitForTimeout(300);
}

try {
  await withBuiltApp(4177, async (browser, base) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await loadRepo(page, base, 'tiny/smolvlm');
    await run(page, planted('smolvlm', 600, 400, 5, 11));
    await page.screenshot({ path: 'docs/real-tiled-stitched.png', fullPage: true });
    await page.getByTestId('view.switch').selectOption('global');
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'docs/real-tiled-global.png', fullPage: true });
    await page.getByTestId('view.switch').selectOption('tile-1-2');
    await page.waitForTimeout(300);
    await page.screenshot({ path: 'docs/real-tiled-one-tile.png', fullPage: true });
    await loadRepo(page, base, 'tiny/qwen2_vl');
    const wide = tinyGrid('qwen2_vl', 640, 220);
    await run(page, planted('qwen2_vl', 640, 220, wide.rows - 2, wide.cols - 3));
    await page.screenshot({ path: 'docs/real-qwen-wide.png', fullPage: true });
    // Native sizing under a small cap: the run is made to fit and the Image size panel says so.
    await page.getByTestId('image-size.cap').fill('24');
    await run(page, planted('qwen2_vl', 641, 220, 1, 1));
    await page.getByTestId('image-size').screenshot({ path: 'docs/real-image-size-capped.png' });
  });
} finally {
  await hub.close();
}
