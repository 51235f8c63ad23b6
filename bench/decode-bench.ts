/**
 * `npm run bench:decode`: decoding speed of the demo model. A benchmark, not
 * a test: it measures and prints a table.
 * - Node (onnxruntime-web's wasm backend), with and without fetching the
 *   attention outputs (target: rows cost ≤ 10 % of decode time);
 * - headless Chromium on WebGPU (SwiftShader here: a CPU, not a GPU) and wasm;
 * - the share of each decode step spent outside session.run (target ≤ 5 %).
 */
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { decodeImage } from '../src/cli/image-file';
import { loadModelDir } from '../src/cli/run-model';
import type { RunTimings } from '../src/workers/engine/events';
import { CHROMIUM_ARGS } from '../playwright.config';

const MODEL = 'public/models/real-demo-v1';
const SAMPLES = ['001_brick_scratch', '003_grass_crack', '000_brick_normal'];
const REPEATS = 3;

interface Row {
  where: string;
  tokensPerSecond: number;
  outsideRunPct: number;
  tokens: number;
}

function summarise(where: string, runs: RunTimings[]): Row {
  const steps = runs.flatMap((r) => r.stepMs);
  const inRun = runs.flatMap((r) => r.stepRunMs);
  const total = steps.reduce((a, b) => a + b, 0);
  const run = inRun.reduce((a, b) => a + b, 0);
  return {
    where,
    tokensPerSecond: (steps.length / total) * 1000,
    outsideRunPct: (100 * (total - run)) / total,
    tokens: steps.length,
  };
}

async function node(skipAttention: boolean): Promise<Row> {
  const model = await loadModelDir(MODEL);
  const runs: RunTimings[] = [];
  try {
    for (let r = 0; r <= REPEATS; r++) {
      for (const s of SAMPLES) {
        const image = decodeImage(readFileSync(`public/samples/eval/${s}.png`), s);
        await model.engine.generate(image, { skipAttention }, (e) => {
          if (e.type === 'end' && r > 0) runs.push(e.timings); // r = 0 warms up
        });
      }
    }
  } finally {
    await model.release();
  }
  return summarise(
    `Node, wasm, ${skipAttention ? 'no attention outputs fetched' : 'with attention rows'}`,
    runs,
  );
}

async function browser(backend: 'webgpu' | 'wasm', port: number): Promise<Row> {
  const b = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const page = await b.newPage();
  await page.goto(`http://127.0.0.1:${port}/?bench=1&backend=${backend}`);
  await page.getByTestId('model.name').waitFor({ timeout: 180_000 });
  const runs: RunTimings[] = [];
  for (let r = 0; r <= REPEATS; r++) {
    for (const s of SAMPLES) {
      // The previous run (or the saved example) shows "done" until this one starts, and a run's
      // trace has no timings before its end: wait for a new trace that has them, not for the label.
      await page.evaluate(() => {
        const w = window as unknown as { __realStore: { getState(): { run: { trace: unknown } } } } & {
          __benchBefore?: unknown;
        };
        w.__benchBefore = w.__realStore.getState().run.trace;
      });
      await page.locator(`[data-testid="samples.item"][data-id="${s}"]`).click();
      const t = await page.waitForFunction(
        () => {
          const w = window as unknown as {
            __realStore: {
              getState(): {
                run: { status: string; error: string | null; trace: { timings?: unknown } | null };
              };
            };
            __benchBefore?: unknown;
          };
          const run = w.__realStore.getState().run;
          if (run.status === 'running' || run.trace === w.__benchBefore) return null;
          if (run.error) throw new Error(run.error);
          return run.trace?.timings ?? null;
        },
        undefined,
        { timeout: 180_000, polling: 50 },
      );
      if (r > 0) runs.push((await t.jsonValue()) as RunTimings);
    }
  }
  const backendShown = await page.getByTestId('model.backend').textContent();
  await b.close();
  return summarise(`Chromium, ${backendShown}${backend === 'webgpu' ? ' (SwiftShader, CPU)' : ''}`, runs);
}

async function main() {
  const { preview } = await import('vite');
  const server = await preview({ preview: { port: 4174, strictPort: true, host: '127.0.0.1' } });
  try {
    const rows = [
      await node(false),
      await node(true),
      await browser('wasm', 4174),
      await browser('webgpu', 4174),
    ];
    console.log(`demo model, ${SAMPLES.length} images × ${REPEATS} runs after a warm-up, greedy decoding`);
    console.log('| where | tokens/s | outside session.run | tokens timed |');
    console.log('|---|---:|---:|---:|');
    for (const r of rows)
      console.log(
        `| ${r.where} | ${r.tokensPerSecond.toFixed(1)} | ${r.outsideRunPct.toFixed(1)} % | ${r.tokens} |`,
      );
    const cost = 100 * (1 - rows[0].tokensPerSecond / rows[1].tokensPerSecond);
    console.log(`\nattention rows cost ${cost.toFixed(1)} % of decode time in Node (target ≤ 10 %)`);
  } finally {
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

await main();
