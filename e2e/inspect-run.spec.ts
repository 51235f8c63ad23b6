import { readFileSync } from 'node:fs';
import { differs, expect, test } from './inspector';

// The UI flows on the wasm backend (faster here); WebGPU has its own test.
test('run a sample, watch tokens stream, inspect tokens, change α, save, reopen and export', async ({
  inspector,
  page,
}) => {
  await inspector.open('?backend=wasm');
  await inspector.waitForModel();

  // Record the token count each time the strip changes, with the run's state.
  await page.evaluate(() => {
    const seen: { n: number; state: string | null }[] = [];
    (window as unknown as { seen: typeof seen }).seen = seen;
    new MutationObserver(() => {
      seen.push({
        n: document.querySelectorAll('[data-testid="token-strip.token"]').length,
        state: document.querySelector('[data-testid="run.status"]')?.getAttribute('data-state') ?? null,
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
  await inspector.runSample('001_brick_scratch');
  const tokens = await inspector.tokenTexts();
  const seen = await page.evaluate(
    () => (window as unknown as { seen: { n: number; state: string }[] }).seen,
  );
  const streaming = seen.filter((s) => s.state === 'running' && s.n > 0 && s.n < tokens.length);
  expect(streaming.length).toBeGreaterThan(0);
  await expect(page.getByTestId('run.answer')).toContainText('P(yes)');

  // The ReAL map first; then each clicked token's own map.
  await expect(page.getByTestId('attention.title')).toHaveText('ReAL anomaly map');
  const realMap = await inspector.canvasPixels();
  await inspector.token(3).click();
  await expect(page.getByTestId('attention.title')).toContainText('(token 3)');
  const t3 = await inspector.canvasPixels();
  expect(differs(t3, realMap)).toBeGreaterThan(50);
  await inspector.token(4).click();
  const t4 = await inspector.canvasPixels();
  expect(differs(t4, t3)).toBeGreaterThan(50);
  // arrow keys move the selection (the mouse moved away: hovering previews another token)
  await page.mouse.move(0, 0);
  await page.getByTestId('token-strip').press('ArrowRight');
  await expect(page.getByTestId('attention.title')).toContainText('(token 5)');
  await page.getByTestId('token-strip').press('Escape');
  await expect(page.getByTestId('attention.title')).toHaveText('ReAL anomaly map');

  // Shift-click combines tokens' maps (mean by default).
  await inspector.token(3).click();
  await inspector.token(4).click({ modifiers: ['Shift'] });
  await page.mouse.move(0, 0);
  await expect(page.getByTestId('attention.title')).toContainText('Mean attention of');
  const group = await inspector.canvasPixels();
  expect(differs(group, t3)).toBeGreaterThan(50);
  expect(differs(group, t4)).toBeGreaterThan(50);
  await page.getByTestId('token-strip').press('Escape');
  // A fixed colour range, said on screen.
  await page.getByTestId('view.normalise').selectOption('fixed');
  await expect(page.getByTestId('attention.normalisation')).toContainText('fixed range, 0 to 0.05');
  await expect.poll(async () => differs(await inspector.canvasPixels(), realMap)).toBeGreaterThan(50);
  await page.getByTestId('view.normalise').selectOption('per-map');

  // Alt-click a cell: it leaves the colour scale (display only), and says so.
  await page.getByTestId('attention.canvas').click({ position: { x: 10, y: 10 }, modifiers: ['Alt'] });
  await expect(page.getByTestId('attention.normalisation')).toContainText('1 cell left out');
  await page.getByTestId('attention.canvas').click({ position: { x: 10, y: 10 }, modifiers: ['Alt'] });
  await expect(page.getByTestId('attention.normalisation')).not.toContainText('left out (display only)');

  // Sub-word pieces merged into words, on demand; a word selects its pieces.
  await page.getByTestId('view.token-view').selectOption('words');
  const words = page.getByTestId('token-strip.word');
  expect(await words.count()).toBeGreaterThan(3);
  expect(await words.count()).toBeLessThanOrEqual(tokens.length);
  await words.nth(2).click();
  await page.mouse.move(0, 0);
  await expect(page.getByTestId('attention.title')).not.toHaveText('ReAL anomaly map');
  await page.getByTestId('view.token-view').selectOption('pieces');
  await page.getByTestId('token-strip').press('Escape');

  // α and β to 0: every weight is 0, so the ReAL map flattens.
  await page.getByTestId('settings.alpha').fill('0');
  await page.getByTestId('settings.beta').fill('0');
  await expect.poll(async () => differs(await inspector.canvasPixels(), realMap)).toBeGreaterThan(50);
  await page.getByTestId('settings.alpha').fill('0.5');
  await page.getByTestId('settings.beta').fill('0.5');
  await expect.poll(async () => differs(await inspector.canvasPixels(), realMap)).toBe(0);

  // Threshold rules are settings too; the CGRO panel shows the top tokens' supports.
  await page.getByTestId('settings.tau-t').selectOption('fixed');
  await expect(page.getByTestId('scores.thresholds')).toContainText('τ_t = 0.5000');
  await page.getByTestId('settings.tau-t').selectOption('median');
  await expect(page.getByTestId('cgro.supports').locator('svg').first()).toBeVisible();

  // Save the run, reload the page (no model), open the trace: the same tokens and the same map.
  await inspector.token(3).click();
  await page.mouse.move(0, 0);
  const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId('trace.save').click()]);
  const tracePath = await saved.path();
  const json = JSON.parse(readFileSync(tracePath, 'utf8'));
  expect(json.format).toBe('real-trace');
  expect(json.image).toMatch(/^data:image\/png;base64,/);

  await inspector.open('?autoload=0');
  await page.getByTestId('trace.open').setInputFiles(tracePath);
  // The trace worker opens it: wait for its tokens.
  await expect(page.getByTestId('token-strip.token')).toHaveCount(tokens.length);
  expect(await inspector.tokenTexts()).toEqual(tokens);
  await expect.poll(async () => differs(await inspector.canvasPixels(), realMap)).toBe(0);
  await inspector.token(3).click();
  await page.mouse.move(0, 0);
  await expect.poll(async () => differs(await inspector.canvasPixels(), t3)).toBe(0);

  // Export the view as PNG.
  const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export.png').click()]);
  const bytes = readFileSync(await png.path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export.csv').click()]);
  expect(readFileSync(await csv.path(), 'utf8').split('\n')[0]).toBe(
    'index,position,text,sT,sI,sTNorm,sINorm,selected,weight',
  );
});

test('token text is shown as text, and a broken trace file keeps the current run', async ({
  inspector,
  page,
}) => {
  const trace = JSON.parse(readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8'));
  trace.generated[1].text = '<img src=x onerror=alert(1)>';
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await inspector.open('?autoload=0');
  await page.getByTestId('trace.open').setInputFiles({
    name: 'evil.trace.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(trace)),
  });
  await expect(inspector.token(1)).toHaveText('<img src=x onerror=alert(1)>');
  await expect(page.locator('[data-testid="token-strip"] img')).toHaveCount(0);
  const before = await inspector.tokenTexts();

  await page.getByTestId('trace.open').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"format": "real-trace", "version": 1, "grid": '),
  });
  await expect(page.getByTestId('run.error')).toContainText('broken.json is not a trace this app can open');
  expect(await inspector.tokenTexts()).toEqual(before);
  expect(dialogs).toBe(0);
});

test('a trace whose image points at another origin is refused in one line, with no request, and the run stays', async ({
  inspector,
  page,
}) => {
  const requests: string[] = [];
  page.on('request', (r) => {
    if (
      !r.url().startsWith('http://127.0.0.1') &&
      !r.url().startsWith('data:') &&
      !r.url().startsWith('blob:')
    )
      requests.push(r.url());
  });
  await inspector.open('?autoload=0');
  const good = readFileSync('tests/fixtures/traces/hand-computed.json', 'utf8');
  await page.getByTestId('trace.open').setInputFiles({
    name: 'good.trace.json',
    mimeType: 'application/json',
    buffer: Buffer.from(good),
  });
  await expect(inspector.token(1)).toBeVisible();
  const before = await inspector.tokenTexts();
  const elsewhere = JSON.parse(good);
  elsewhere.version = 2;
  elsewhere.image = { width: 30, height: 30, dataUrl: 'https://example.com/x.png' };
  await page.getByTestId('trace.open').setInputFiles({
    name: 'elsewhere.trace.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(elsewhere)),
  });
  await expect(page.getByTestId('run.error')).toHaveText(
    'elsewhere.trace.json is not a trace this app can open: image.dataUrl: expected a data: URL, not a https: URL (a trace never points elsewhere)',
  );
  expect(await inspector.tokenTexts()).toEqual(before);
  expect(requests).toEqual([]);
});
