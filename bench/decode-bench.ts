/**
 * `npm run bench:decode`: how fast the demo model answers. A benchmark, not a
 * test: it measures, prints a table and says which targets were met.
 * - Chromium (headless, the built app under `vite preview`): from the click on
 *   a sample to its first token and to the whole answer, on the backend the
 *   app chooses and on each backend forced (`?backend=`), median over runs
 *   (targets: answer ≤ 1 s, first token ≤ 0.3 s);
 * - decode tokens/s, Chromium's wasm (in the inference worker) as a share of
 *   Node's (onnxruntime-web's wasm backend, the same engine) (target ≥ 0.5);
 * - in Node, what fetching the attention rows costs, runs with and without
 *   them interleaved on one loaded model, from the median step (target ≤ 10 %);
 * - the engine alone in a Chromium worker (bench/decode-worker.ts), to tell
 *   onnxruntime's speed there from what the page drawing beside it costs,
 *   and to check it gives Node's tokens and attention rows.
 * Times in the page run from the click to the store holding the first token
 * and the ended run (what the screen draws next).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { decodeImage } from '../src/cli/image-file';
import { loadModelDir } from '../src/cli/run-model';
import { median } from '../src/real/stats';
import type { RunTimings } from '../src/workers/engine/events';
import type { WorkerBenchRequest, WorkerBenchRun } from './decode-worker';
import { CHROMIUM_ARGS } from '../playwright.config';

const MODEL = 'public/models/real-demo-v1';
const SAMPLES = ['001_brick_scratch', '003_grass_crack', '000_brick_normal'];
const REPEATS = 3;
/** WebGPU on SwiftShader decodes a few tokens a second: one timed pass is enough to show it. */
const WEBGPU_REPEATS = 1;
const TARGET = { answerMs: 1000, firstTokenMs: 300, wasmRatio: 0.5, rowsCostPct: 10 };

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const met = (ok: boolean) => (ok ? 'met' : 'MISSED');

function checkTimings(t: unknown, where: string): RunTimings {
  const r = t as Partial<RunTimings> | null | undefined;
  if (!r || !Array.isArray(r.stepMs) || !Array.isArray(r.stepRunMs) || r.stepMs.length === 0)
    throw new Error(`${where}: the run ended without step timings (${JSON.stringify(t)?.slice(0, 200)})`);
  return r as RunTimings;
}

/** Decode tokens/s over runs, and the share of each step spent outside session.run. */
function decodeRate(runs: RunTimings[]) {
  const steps = runs.flatMap((r) => r.stepMs);
  const total = sum(steps);
  return {
    tokensPerSecond: (steps.length / total) * 1000,
    outsideRunPct: (100 * (total - sum(runs.flatMap((r) => r.stepRunMs)))) / total,
    tokens: steps.length,
  };
}

interface NodeResult {
  withRows: RunTimings[];
  withoutRows: RunTimings[];
  /** The first timed pass's tokens and rows per sample, to compare Chromium's with. */
  outputs: Map<string, { ids: number[]; rows: number[] }>;
}

/** Node: runs with and without the attention rows, interleaved, so machine noise falls on both. */
async function node(): Promise<NodeResult> {
  // Node's side is onnxruntime-web's wasm, the build Chromium runs (the CLI's default is onnxruntime-node).
  const model = await loadModelDir(MODEL, undefined, { runtime: 'wasm', device: 'cpu' });
  const out: NodeResult = { withRows: [], withoutRows: [], outputs: new Map() };
  try {
    const images = SAMPLES.map((s) => decodeImage(readFileSync(`public/samples/eval/${s}.png`), s));
    for (let r = 0; r <= REPEATS; r++) {
      for (const [i, image] of images.entries()) {
        // Alternate which goes first, so neither always runs on a warmer cache.
        const order = (r + i) % 2 ? [false, true] : [true, false];
        for (const skipAttention of order) {
          let timings: RunTimings | undefined;
          const ids: number[] = [];
          const rows: number[] = [];
          await model.engine.generate(image, { skipAttention }, (e) => {
            if (e.type === 'token') {
              ids.push(e.id);
              for (const row of e.attention) for (const x of row) rows.push(x);
            } else if (e.type === 'end') timings = e.timings;
          });
          if (r === 0) continue; // warm-up
          if (!skipAttention && !out.outputs.has(SAMPLES[i])) out.outputs.set(SAMPLES[i], { ids, rows });
          const t = checkTimings(timings, `Node, ${SAMPLES[i]}`);
          (skipAttention ? out.withoutRows : out.withRows).push(t);
        }
      }
    }
  } finally {
    await model.release();
  }
  return out;
}

interface PageRun {
  firstTokenMs: number;
  answerMs: number;
  tokens: number;
  timings: RunTimings;
}

interface BrowserResult {
  label: string;
  backend: string;
  reason: string | null;
  threads: string;
  cold: PageRun;
  runs: PageRun[];
}

type BenchWindow = {
  __realStore: {
    getState(): BenchState;
    subscribe(listener: (s: BenchState) => void): () => void;
  };
};
interface BenchState {
  model: {
    status: string;
    error: string | null;
    info: { backend: string } | null;
    backendReason: string | null;
  };
  run: {
    status: string;
    error: string | null;
    example: boolean;
    trace: { generated: unknown[]; timings?: unknown } | null;
  };
}

/** Clicks a sample and times, in the page, the first token and the end of its run. */
async function clickAndTime(page: Page, sample: string): Promise<PageRun> {
  const r = await page.evaluate(
    (id) =>
      new Promise<{ firstTokenMs: number; answerMs: number; tokens: number; timings: unknown }>(
        (resolve, reject) => {
          const store = (window as unknown as BenchWindow).__realStore;
          const before = store.getState().run.trace;
          const button = document.querySelector<HTMLButtonElement>(
            `[data-testid="samples.item"][data-id="${id}"]`,
          );
          if (!button) return reject(new Error(`no sample button ${id}`));
          if (button.disabled) return reject(new Error(`the sample button ${id} is disabled`));
          let first: number | null = null;
          let sawRunning = false;
          let t0 = 0;
          const timer = setTimeout(() => {
            unsubscribe();
            reject(new Error(`${id}: no answer within 120 s`));
          }, 120_000);
          const unsubscribe = store.subscribe((s) => {
            const run = s.run;
            if (run.error) {
              clearTimeout(timer);
              unsubscribe();
              return reject(new Error(`${id}: ${run.error}`));
            }
            if (run.status === 'running') sawRunning = true;
            // The trace of this run: a new object from its start event on (tokens stream in place);
            // never the saved example, which may arrive late after the page loads.
            if (!sawRunning || !run.trace || run.trace === before || run.example) return;
            if (first === null && run.trace.generated.length > 0) first = performance.now();
            if (run.status === 'running' || !run.trace.timings) return;
            clearTimeout(timer);
            unsubscribe();
            const end = performance.now();
            resolve({
              firstTokenMs: (first ?? end) - t0,
              answerMs: end - t0,
              tokens: run.trace.generated.length,
              timings: run.trace.timings,
            });
          });
          t0 = performance.now();
          button.click();
        },
      ),
    sample,
  );
  return { ...r, timings: checkTimings(r.timings, `Chromium, ${sample}`) };
}

/** The app in a fresh Chromium page, `?backend=` forced or (null) its own choice. */
async function browser(
  b: Browser,
  base: string,
  backend: 'webgpu' | 'wasm' | null,
  repeats: number,
): Promise<BrowserResult> {
  const context = await b.newContext();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/?bench=1${backend ? `&backend=${backend}` : ''}`);
    await page.waitForFunction(
      () => {
        const m = (window as unknown as Partial<BenchWindow>).__realStore?.getState().model;
        if (m?.error) throw new Error(m.error);
        return m?.status === 'ready';
      },
      undefined,
      { timeout: 180_000, polling: 100 },
    );
    // The sample buttons are enabled once the model is ready and nothing is running.
    await page.locator('[data-testid="samples.item"]:not([disabled])').first().waitFor({ timeout: 60_000 });
    const model = await page.evaluate(() => {
      const m = (window as unknown as BenchWindow).__realStore.getState().model;
      return { backend: m.info?.backend ?? '?', reason: m.backendReason };
    });
    const threads = await page.evaluate(
      () =>
        `${self.crossOriginIsolated ? 'isolated' : 'not isolated'}, ${navigator.hardwareConcurrency} cores`,
    );
    const runs: PageRun[] = [];
    let cold: PageRun | null = null;
    for (let r = 0; r <= repeats; r++) {
      for (const s of SAMPLES) {
        const run = await clickAndTime(page, s);
        if (r === 0)
          cold ??= run; // the first pass warms up; its first answer is the cold one
        else runs.push(run);
      }
    }
    if (errors.length) throw new Error(`the page threw: ${errors.join('; ')}`);
    const label = backend === null ? `the app's choice: ${model.backend}` : `${backend}, forced`;
    return { label, backend: model.backend, reason: model.reason, threads, cold: cold!, runs };
  } finally {
    await context.close();
  }
}

/**
 * The engine alone in a Chromium worker (bench/decode-worker.ts, built here into a folder of its
 * own and served cross-origin isolated like the app): onnxruntime's speed in Chromium with no page
 * drawing beside it, and its tokens and rows, which must be Node's.
 */
async function workerOnly(b: Browser): Promise<WorkerBenchRun[]> {
  const { build, preview } = await import('vite');
  const dir = mkdtempSync(join(tmpdir(), 'decode-bench-'));
  try {
    await build({
      configFile: 'vite.config.ts',
      logLevel: 'warn',
      build: {
        outDir: dir,
        emptyOutDir: true,
        sourcemap: false,
        rollupOptions: {
          input: 'bench/decode-worker.ts',
          output: { entryFileNames: 'decode-worker.js' },
        },
      },
    });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>decode bench</title>');
    const server = await preview({
      configFile: 'vite.config.ts',
      logLevel: 'warn',
      build: { outDir: dir },
      preview: { port: 0, host: '127.0.0.1' },
    });
    const context = await b.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}/`);
      const request: WorkerBenchRequest = {
        model: `/models/real-demo-v1/`,
        samples: SAMPLES,
        repeats: REPEATS,
      };
      const answer = await page.evaluate(
        (req) =>
          new Promise<{ runs?: WorkerBenchRun[]; error?: string }>((resolve) => {
            const w = new Worker('/decode-worker.js', { type: 'module' });
            const timer = setTimeout(() => resolve({ error: 'no answer within 180 s' }), 180_000);
            w.onmessage = (e) => {
              clearTimeout(timer);
              w.terminate();
              resolve(e.data);
            };
            w.onerror = (e) => {
              clearTimeout(timer);
              resolve({ error: e.message || 'the worker failed to start' });
            };
            w.postMessage(req);
          }),
        request,
      );
      if (!answer.runs) throw new Error(`Chromium worker: ${answer.error}`);
      for (const r of answer.runs) checkTimings(r.timings, `Chromium worker, ${r.sample}`);
      return answer.runs;
    } finally {
      await context.close();
      await new Promise<void>((r) => server.httpServer.close(() => r()));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether the worker gave Node's tokens, and the largest difference between their rows. */
function sameAsNode(runs: WorkerBenchRun[], node: NodeResult['outputs']) {
  let sameIds = true;
  let maxDiff = 0;
  for (const r of runs) {
    const n = node.get(r.sample);
    if (!n) continue;
    if (n.ids.length !== r.ids.length || n.ids.some((id, i) => id !== r.ids[i])) sameIds = false;
    if (n.rows.length !== r.rows.length) maxDiff = Infinity;
    else for (let i = 0; i < n.rows.length; i++) maxDiff = Math.max(maxDiff, Math.abs(n.rows[i] - r.rows[i]));
  }
  return { sameIds, maxDiff };
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(0)} ms`);

async function main() {
  const { preview } = await import('vite');
  // Any free port: a bench beside a running app or test server does not clash with it.
  const server = await preview({ preview: { port: 0, host: '127.0.0.1' }, logLevel: 'warn' });
  const port = (server.httpServer.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  let b: Browser | null = null;
  try {
    const nodeRuns = await node();
    b = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    const alone = await workerOnly(b);
    const pages: BrowserResult[] = [await browser(b, base, null, REPEATS)];
    if (pages[0].backend !== 'wasm') pages.push(await browser(b, base, 'wasm', REPEATS));
    if (pages[0].backend !== 'webgpu') pages.push(await browser(b, base, 'webgpu', WEBGPU_REPEATS));

    const nodeRate = decodeRate(nodeRuns.withRows);
    const nodeBare = decodeRate(nodeRuns.withoutRows);
    const wasm = pages.find((p) => p.backend === 'wasm');

    console.log(
      `demo model, greedy; ${SAMPLES.length} samples × ${REPEATS} passes after a warm-up pass ` +
        `(WebGPU: ${WEBGPU_REPEATS}); Chromium: ${pages[0].threads}`,
    );
    if (pages[0].reason) console.log(`the app's choice, as it says: ${pages[0].reason}`);
    console.log('');
    console.log(
      '| Chromium, click → | first token (median) | answer (median) | first answer after load | tokens/answer | decode tokens/s | outside session.run | vision + prefill in the worker |',
    );
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const p of pages) {
      const rate = decodeRate(p.runs.map((r) => r.timings));
      console.log(
        `| ${p.label} | ${ms(median(p.runs.map((r) => r.firstTokenMs)))} | ${ms(median(p.runs.map((r) => r.answerMs)))} | ` +
          `${ms(p.cold.firstTokenMs)} / ${ms(p.cold.answerMs)} | ${median(p.runs.map((r) => r.tokens))} | ` +
          `${rate.tokensPerSecond.toFixed(0)} | ${rate.outsideRunPct.toFixed(1)} % | ` +
          `${ms(median(p.runs.map((r) => r.timings.visionMs + r.timings.prefillMs)))} |`,
      );
    }
    const aloneRate = decodeRate(alone.map((r) => r.timings));
    console.log(
      `| wasm, the engine alone in a worker (no page, no UI) | | ${ms(median(alone.map((r) => r.timings.totalMs)))} | | ` +
        `${median(alone.map((r) => r.timings.stepMs.length))} | ${aloneRate.tokensPerSecond.toFixed(0)} | ` +
        `${aloneRate.outsideRunPct.toFixed(1)} % | ${ms(median(alone.map((r) => r.timings.visionMs + r.timings.prefillMs)))} |`,
    );
    console.log(
      `| Node, wasm (no page) | | ${ms(median(nodeRuns.withRows.map((t) => t.totalMs)))} | | ` +
        `${median(nodeRuns.withRows.map((t) => t.stepMs.length))} | ${nodeRate.tokensPerSecond.toFixed(0)} | ` +
        `${nodeRate.outsideRunPct.toFixed(1)} % | ${ms(median(nodeRuns.withRows.map((t) => t.visionMs + t.prefillMs)))} |`,
    );
    const same = sameAsNode(alone, nodeRuns.outputs);
    console.log(
      `\nChromium's worker against Node: ${same.sameIds ? 'the same tokens' : 'DIFFERENT TOKENS'}, ` +
        `attention rows within ${same.maxDiff.toExponential(1)}`,
    );
    console.log('');

    const chosen = pages[0];
    const firstMs = median(chosen.runs.map((r) => r.firstTokenMs));
    const answerMs = median(chosen.runs.map((r) => r.answerMs));
    const wasmRate = wasm ? decodeRate(wasm.runs.map((r) => r.timings)).tokensPerSecond : NaN;
    const ratio = wasmRate / nodeRate.tokensPerSecond;
    // Median steps: a step stalled by another job on the machine falls on either side by chance.
    const stepWith = median(nodeRuns.withRows.flatMap((t) => t.stepMs));
    const stepWithout = median(nodeRuns.withoutRows.flatMap((t) => t.stepMs));
    const cost = 100 * (1 - stepWithout / stepWith);
    console.log('| target | measured | |');
    console.log('|---|---:|---|');
    console.log(
      `| first token ≤ ${ms(TARGET.firstTokenMs)} (the app's choice, median) | ${ms(firstMs)} | ${met(firstMs <= TARGET.firstTokenMs)} |`,
    );
    console.log(
      `| answer ≤ ${ms(TARGET.answerMs)} (the app's choice, median) | ${ms(answerMs)} | ${met(answerMs <= TARGET.answerMs)} |`,
    );
    console.log(
      `| Chromium wasm ÷ Node decode tokens/s ≥ ${TARGET.wasmRatio} | ${wasmRate.toFixed(0)} / ${nodeRate.tokensPerSecond.toFixed(0)} = ${ratio.toFixed(2)} | ${met(ratio >= TARGET.wasmRatio)} |`,
    );
    console.log(
      `| (the same, the engine alone in a Chromium worker) | ${aloneRate.tokensPerSecond.toFixed(0)} / ${nodeRate.tokensPerSecond.toFixed(0)} = ${(aloneRate.tokensPerSecond / nodeRate.tokensPerSecond).toFixed(2)} | ${met(aloneRate.tokensPerSecond / nodeRate.tokensPerSecond >= TARGET.wasmRatio)} |`,
    );
    console.log(
      `| attention rows cost ≤ ${TARGET.rowsCostPct} % of decode time (Node, median step: ${stepWith.toFixed(2)} ms with, ${stepWithout.toFixed(2)} ms without; ${nodeRate.tokensPerSecond.toFixed(0)} and ${nodeBare.tokensPerSecond.toFixed(0)} tokens/s) | ${cost.toFixed(1)} % | ${met(cost <= TARGET.rowsCostPct)} |`,
    );
  } finally {
    await b?.close();
    await new Promise<void>((r) => server.httpServer.close(() => r()));
  }
}

await main();
