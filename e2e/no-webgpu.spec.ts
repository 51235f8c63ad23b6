import { CHROMIUM_ARGS } from '../playwright.config';
import { expect, test } from './inspector';

// A browser with no WebGPU adapter: headless Chromium without --enable-unsafe-webgpu.
test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu'),
  },
});

test('without WebGPU, the model falls back to WebAssembly and says why', async ({ inspector, page }) => {
  await inspector.open();
  await inspector.waitForModel();
  await expect(inspector.backend()).toHaveText('WebAssembly');
  await expect(page.getByTestId('model.name')).toContainText('WebGPU gave no adapter');
  await expect(page.getByTestId('backend.badge')).toHaveAttribute('data-backend', 'wasm');
  await inspector.runSample('001_brick_scratch');
  expect((await inspector.tokenTexts()).length).toBeGreaterThan(5);
});
