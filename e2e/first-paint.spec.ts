import { readFileSync } from 'node:fs';
import { expect, test } from './inspector';

// Headless Chromium here has a software WebGPU adapter (SwiftShader, see playwright.config.ts).

test('on SwiftShader the built-in model runs on WebAssembly and says why; forced, on WebGPU', async ({
  inspector,
  page,
}) => {
  // Five model loads and one run on SwiftShader: past 120 s at a load of 8 (CI, 2026-12-02).
  // The limit is a hang guard (the demo-on-WebGPU test has the same).
  test.setTimeout(480_000);
  await inspector.open();
  await inspector.waitForModel();
  await expect(page.getByTestId('backend.badge')).toContainText('SwiftShader');
  await expect(inspector.backend()).toHaveText('WebAssembly');
  await expect(page.getByTestId('model.backend-reason')).toContainText(
    'the WebGPU adapter is SwiftShader, a CPU emulation, slower than WebAssembly for this model',
  );
  await expect(page.getByTestId('model.backend-choice.auto')).toBeChecked();

  // The switch loads the model again on the backend chosen.
  await page.getByTestId('model.backend-choice.webgpu').check();
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebGPU');
  await expect(page.getByTestId('model.backend-reason')).toContainText('chosen with the switch');
  await page.getByTestId('model.backend-choice.auto').check();
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebAssembly');

  await inspector.open('?backend=webgpu');
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebGPU');
  await expect(page.getByTestId('model.backend-reason')).toContainText('chosen with ?backend=webgpu');
  await expect(page.getByTestId('model.backend-choice.webgpu')).toBeChecked();
  // A run on SwiftShader takes seconds: while it streams, the other samples stay focusable but do nothing.
  await page.locator('[data-testid="samples.item"][data-id="001_brick_scratch"]').click();
  const other = page.locator('[data-testid="samples.item"][data-id="003_grass_crack"]');
  await expect(other).toHaveAttribute('aria-disabled', 'true');
  await other.click({ force: true });
  await inspector.waitForRun();
  await expect(page.getByTestId('run.answer')).toContainText('001_brick_scratch');
  await expect(other).not.toHaveAttribute('aria-disabled', /.*/);

  await inspector.open('?backend=wasm');
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebAssembly');
  await expect(page.getByTestId('model.backend-reason')).toContainText('chosen with ?backend=wasm');
});

test('a saved example is drawn before the model has loaded; a live run replaces it', async ({
  inspector,
  page,
}) => {
  // Hold the model's files back until the example is on screen.
  const release = await inspector.holdBack();
  await inspector.open();
  await expect(page.getByTestId('example.badge')).toHaveText('saved example', { timeout: 30_000 });
  await expect(page.locator('[data-testid="run.status"][data-state="example"]')).toBeVisible();
  await expect(page.getByTestId('run.answer')).toContainText('001_brick_scratch');
  await expect(page.getByTestId('run.answer')).toContainText('yes (anomalous)');
  expect((await inspector.tokenTexts()).length).toBeGreaterThan(5);
  await expect(page.getByTestId('attention.canvas')).toBeVisible();
  // The ReAL map is drawn on the canvas: not one flat colour.
  const pixels = await inspector.canvasPixels();
  expect(new Set(pixels).size).toBeGreaterThan(10);
  // Its scores are there too.
  await expect(page.getByTestId('scores.thresholds')).toBeVisible();
  expect(await page.getByTestId('scatter.point').count()).toBeGreaterThan(5);
  await expect(page.getByTestId('model.name')).toHaveCount(0);
  release();

  await inspector.waitForModel();
  await inspector.runSample('003_grass_crack');
  await expect(page.getByTestId('example.badge')).toHaveCount(0);
  await expect(page.getByTestId('run.answer')).toContainText('003_grass_crack');
});

test('a trace the user opens while the example is still arriving wins over the example', async ({
  inspector,
  page,
}) => {
  // The example's file arrives just after the user has started opening one of theirs.
  const release = await inspector.holdBack('**/examples/*.trace.json');
  const served = page.waitForResponse(/\/examples\/.*\.trace\.json$/);
  const theirs = readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8');
  const texts = JSON.parse(theirs).generated.map((g: { text: string }) => g.text);
  await inspector.open('?autoload=0');
  // Padded (valid JSON) so that its opening is still under way when the example comes.
  await page.getByTestId('trace.open').setInputFiles({
    name: 'theirs.trace.json',
    mimeType: 'application/json',
    buffer: Buffer.from(theirs + ' '.repeat(48 << 20)),
  });
  await expect(page.getByTestId('trace.progress')).toBeVisible();
  release();
  await served;
  await expect(page.getByTestId('token-strip.token')).toHaveCount(texts.length, { timeout: 30_000 });
  // Long enough for the example to have been opened, had it been allowed to.
  await page.waitForTimeout(1500);
  expect(await inspector.tokenTexts()).toEqual(texts);
  await expect(page.getByTestId('example.badge')).toHaveCount(0);
});
