import { chromium, type Browser } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';

/**
 * For the screenshot scripts: the production build served on `port` and
 * Debian's Chromium (as the e2e tests use them), closed again however `use` ends.
 */
export async function withBuiltApp(
  port: number,
  use: (browser: Browser, base: string) => Promise<void>,
): Promise<void> {
  const { preview } = await import('vite');
  const server = await preview({ preview: { port, strictPort: true, host: '127.0.0.1' } });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  try {
    await use(browser, `http://127.0.0.1:${port}`);
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}
