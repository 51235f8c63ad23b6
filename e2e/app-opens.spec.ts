import { expect, test } from '@playwright/test';

test('the built app opens, renders, and reports the WebGPU adapter', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const response = await page.goto('/');
  expect(response?.status()).toBe(200);
  // Sent by `vite preview` (see vite.config.ts): cross-origin isolation and a CSP.
  const headers = response!.headers();
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
  expect(headers['content-security-policy']).toContain("default-src 'self'");

  await expect(page.getByRole('heading', { name: 'ReAL Inspector' })).toBeVisible();
  const badge = page.getByTestId('backend.badge');
  await expect(badge).toBeVisible({ timeout: 30_000 });

  // What navigator.gpu says, straight from the page, for the test log.
  const gpu = await page.evaluate(async () => {
    const g = (
      navigator as Navigator & {
        gpu?: { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> };
      }
    ).gpu;
    if (!g) return { hasGpu: false, adapter: null };
    const a = await g.requestAdapter();
    return {
      hasGpu: true,
      adapter: a ? `${a.info?.vendor ?? ''} ${a.info?.architecture ?? ''}`.trim() || 'unnamed' : null,
    };
  });
  test.info().annotations.push({ type: 'webgpu', description: JSON.stringify(gpu) });
  console.log(`navigator.gpu: ${JSON.stringify(gpu)}`);
  // The badge agrees with the page's own answer.
  await expect(badge).toHaveAttribute('data-backend', gpu.adapter ? 'webgpu' : 'wasm');
  // With --enable-unsafe-webgpu this machine's Chromium has a (software) adapter.
  expect(gpu.adapter).not.toBeNull();
  expect(errors).toEqual([]);
});
