import { test as base, expect, type Page } from '@playwright/test';

/** A page object for the inspector, so tests read like what a user does. */
export class Inspector {
  constructor(readonly page: Page) {}

  async open(query = '') {
    await this.page.goto(`/${query}`);
  }

  async waitForModel(timeout = 120_000) {
    await expect(this.page.getByTestId('model.name')).toBeVisible({ timeout });
    await expect(this.page.getByTestId('model.progress')).toHaveCount(0, { timeout });
  }

  backend() {
    return this.page.getByTestId('model.backend');
  }

  async runSample(id?: string) {
    const item = id
      ? this.page.locator(`[data-testid="samples.item"][data-id="${id}"]`)
      : this.page.getByTestId('samples.item').first();
    await expect(item).toBeEnabled({ timeout: 120_000 });
    await item.click();
    await this.waitForRun();
  }

  async waitForRun(timeout = 180_000) {
    await expect(this.page.locator('[data-testid="run.status"][data-state="done"]')).toBeVisible({ timeout });
  }

  async tokenTexts(): Promise<string[]> {
    return this.page.getByTestId('token-strip.token').allTextContents();
  }

  token(i: number) {
    return this.page.locator(`[data-testid="token-strip.token"][data-index="${i}"]`);
  }

  /**
   * Holds back the requests that match `url` (the built-in model's files by
   * default) until the returned function is called: the screen before they arrive.
   */
  async holdBack(url = '**/models/real-demo-v1/**'): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await this.page.route(url, async (route) => {
      await held;
      await route.continue().catch(() => {});
    });
    return release;
  }

  /** The overlay canvas' pixels, for comparing what is drawn. */
  async canvasPixels(): Promise<number[]> {
    return this.page.getByTestId('attention.canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 0; i < d.length; i += 4 * 97) out.push(d[i], d[i + 1], d[i + 2]);
      return out;
    });
  }
}

export const test = base.extend<{ inspector: Inspector }>({
  inspector: async ({ page }, use) => {
    await use(new Inspector(page));
  },
});

export function differs(a: number[], b: number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 2) n++;
  return n;
}

export { expect };
