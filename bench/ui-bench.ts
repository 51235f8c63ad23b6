/**
 * `npm run bench:ui`: responsiveness of the inspector with a Qwen2-VL-sized
 * trace open (28 layers, 15×15 grid, 600 image+prompt positions, 600
 * generated tokens). A benchmark, not a test: it measures and prints.
 * Targets: a token click redraws the map in ≤ 16 ms (p95); a change of α
 * rescores and redraws in ≤ 50 ms; the trace is held in ≤ 200 MB.
 * Times run from the input event to the `real:map-drawn` performance mark
 * that the main canvas sets once it has drawn.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import { serializeTrace } from '../src/real';
import { CHROMIUM_ARGS } from '../playwright.config';
import { syntheticTrace } from './synthetic-trace';

const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const file = join(mkdtempSync(join(tmpdir(), 'ui-bench-')), 'qwen-sized.trace.json');
  writeFileSync(file, serializeTrace(syntheticTrace()));
  const mb = statSync(file).size / 1e6;

  const { preview } = await import('vite');
  const server = await preview({ preview: { port: 4175, strictPort: true, host: '127.0.0.1' } });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc', '--enable-precise-memory-info'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto('http://127.0.0.1:4175/?autoload=0');
    const heap = () =>
      page.evaluate(() => {
        (window as unknown as { gc: () => void }).gc();
        return (performance as unknown as { memory: { usedJSHeapSize: number } }).memory.usedJSHeapSize;
      });
    const before = await heap();
    const t0 = Date.now();
    await page.getByTestId('trace.open').setInputFiles(file);
    await page.getByTestId('token-strip.token').nth(599).waitFor({ timeout: 300_000 });
    const openSeconds = (Date.now() - t0) / 1000;
    const held = (await heap()) - before;

    // Resolves with the time from `t` to the main canvas' next drawn mark. (A string: tsx would wrap
    // named functions in a helper the page does not have.)
    await page.evaluate(`window.drawnAfter = (t) => new Promise((resolve) => {
      const look = () => {
        const m = performance.getEntriesByName('real:map-drawn').find((e) => e.startTime >= t && e.detail === 'attention.canvas');
        if (m) resolve(m.startTime - t); else setTimeout(look, 0);
      };
      look();
    })`);
    const clicks = await page.evaluate(async () => {
      const w = window as unknown as { drawnAfter: (t: number) => Promise<number> };
      const tokens = document.querySelectorAll<HTMLElement>('[data-testid="token-strip.token"]');
      const times: number[] = [];
      for (let i = 0; i < 60; i++) {
        const t = performance.now();
        tokens[10 + i * 9].click();
        times.push(await w.drawnAfter(t));
        performance.clearMarks('real:map-drawn');
        await new Promise((r) => requestAnimationFrame(() => r(null)));
      }
      return times;
    });
    // Back to the ReAL map, then move α.
    await page.getByTestId('token-strip').press('Escape');
    const alpha = await page.evaluate(async () => {
      const slider = document.querySelector<HTMLInputElement>('[data-testid="settings.alpha"]')!;
      const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
      const w = window as unknown as { drawnAfter: (t: number) => Promise<number> };
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = performance.now();
        setValue.call(slider, String(((i % 19) + 1) / 20));
        slider.dispatchEvent(new Event('input', { bubbles: true }));
        times.push(await w.drawnAfter(t));
        performance.clearMarks('real:map-drawn');
        await new Promise((r) => requestAnimationFrame(() => r(null)));
      }
      return times;
    });
    console.log(
      `synthetic trace: 28 layers, 15×15 grid, 600+600 positions; ${mb.toFixed(0)} MB of JSON, opened in ${openSeconds.toFixed(1)} s`,
    );
    console.log('| measurement | median | p95 | target | met |');
    console.log('|---|---:|---:|---:|---|');
    console.log(
      `| token click → map redrawn (ms) | ${median(clicks).toFixed(1)} | ${p95(clicks).toFixed(1)} | 16 (p95) | ${p95(clicks) <= 16 ? 'yes' : 'NO'} |`,
    );
    console.log(
      `| α change → rescored and redrawn (ms) | ${median(alpha).toFixed(1)} | ${p95(alpha).toFixed(1)} | 50 | ${median(alpha) <= 50 ? 'yes' : 'NO'} |`,
    );
    console.log(
      `| JS heap held by the open trace (MB) | ${(held / 1e6).toFixed(0)} | | 200 | ${held / 1e6 <= 200 ? 'yes' : 'NO'} |`,
    );
  } finally {
    await browser.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

await main();
