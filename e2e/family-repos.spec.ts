import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { writeTinyRepo, type TinyFamily } from '../tests/onnx/tiny-repo';
import { plantedImage } from '../tests/onnx/tiny-repo-image';
import { serveHub } from './hub-server';
import { expect, test } from './inspector';

/**
 * Each family's tiny repo in the app on WebGPU (SwiftShader here): the
 * decoder is patched in the worker, the run streams, and the map planted
 * through the tiny model's weights peaks on the cell under the bright
 * square, in the trace the page holds. The same repos run in Node in
 * tests/repo-run.test.ts.
 */
const CASES: { family: TinyFamily; width: number; height: number; row: number; col: number }[] = [
  { family: 'smolvlm', width: 300, height: 200, row: 9, col: 12 },
  { family: 'qwen2_vl', width: 300, height: 140, row: 3, col: 9 },
  { family: 'gemma3', width: 160, height: 160, row: 2, col: 14 },
];

/** In the page: the default view's argmax cell of the token that reads "scratch", and the trace's facts. */
const READ_TRACE = `(() => {
  const t = window.__realStore.getState().run.trace;
  const k = t.generated.findIndex((g) => g.text.includes('scratch'));
  const rows = t.generated[k].attention;
  let best = 0, bestV = -1;
  t.imagePositions.forEach((p, cell) => {
    let v = 0;
    for (const r of rows) v += r[p] / rows.length;
    if (v > bestV) { bestV = v; best = cell; }
  });
  return { best, grid: t.grid, version: t.version, layers: t.modelInfo && t.modelInfo.attentionLayers,
           views: (t.views || []).map((v) => v.name), text: t.generated.map((g) => g.text).join('') };
})()`;

for (const c of CASES) {
  test(`${c.family}: a tiny repo runs on WebGPU in the app and its planted map lands on the right cell`, async ({
    inspector,
    page,
  }) => {
    const dir = mkdtempSync(join(tmpdir(), `fam-${c.family}-`));
    writeTinyRepo(dir, c.family);
    const { image, grid, cell } = plantedImage(c.family, c.width, c.height, c.row, c.col);
    const png = new PNG({ width: image.width, height: image.height });
    png.data = Buffer.from(image.data);
    const pngPath = join(dir, 'planted.png');
    writeFileSync(pngPath, PNG.sync.write(png));
    const hub = await serveHub({ repos: { [`tiny/${c.family}`]: dir } });
    try {
      await inspector.open('?autoload=0&bench');
      await page.getByTestId('hub.repo').fill(`tiny/${c.family}`);
      await page.getByText('Hub and dtypes').click();
      await page.getByTestId('hub.base').fill(hub.url);
      await page.getByTestId('hub.check').click();
      await page.getByTestId('hub.load').click();
      await inspector.waitForModel(180_000);
      await expect(inspector.backend()).toHaveText('WebGPU');
      // The model's own sizing of the original image (the planted cell is a cell of its grid).
      await page.getByTestId('image-size.native').check();
      await page.getByTestId('image.upload').setInputFiles(pngPath);
      await inspector.waitForRun(240_000);
      const got = (await page.evaluate(READ_TRACE)) as {
        best: number;
        grid: { rows: number; cols: number };
        version: number;
        layers: number[];
        views: string[];
        text: string;
      };
      expect(got.version).toBe(2);
      expect(got.grid).toEqual({ rows: grid.rows, cols: grid.cols });
      expect(got.text).toContain('scratch');
      expect(got.best).toBe(cell);
      if (c.family === 'smolvlm')
        expect(got.views).toEqual(expect.arrayContaining(['tiles', 'global', 'tile-2-2']));
    } finally {
      await hub.close();
    }
  });
}

test('an Optimum If-merged decoder runs in the app (use_cache_branch fed), decoding as its generation_config.json says unless greedy is ticked', async ({
  inspector,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'fam-merged-'));
  writeTinyRepo(dir, 'qwen2_vl', { ifMerged: true });
  const { image, grid, cell } = plantedImage('qwen2_vl', 140, 112, 2, 3);
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  const pngPath = join(dir, 'planted.png');
  writeFileSync(pngPath, PNG.sync.write(png));
  const hub = await serveHub({ repos: { 'tiny/merged': dir } });
  try {
    await inspector.open('?autoload=0&bench');
    await page.getByTestId('hub.repo').fill('tiny/merged');
    await page.getByText('Hub and dtypes').click();
    await page.getByTestId('hub.base').fill(hub.url);
    await page.getByTestId('hub.check').click();
    await page.getByTestId('hub.load').click();
    await inspector.waitForModel(180_000);
    await page.getByTestId('image-size.native').check();
    // The panel says what the repo's generation_config.json asks for; greedy keeps its penalty.
    await expect(page.getByTestId('generation.source')).toContainText(
      'The model’s own (generation_config.json): sampling, temperature 0.1, top-k 1, top-p 0.001, repetition penalty 1.05',
    );
    await expect(page.getByTestId('generation.greedy')).not.toBeChecked();
    await page.getByTestId('generation.greedy').check();
    await expect(page.getByTestId('generation.source')).toContainText('Greedy, repetition penalty 1.05.');
    await page.getByTestId('image.upload').setInputFiles(pngPath);
    await inspector.waitForRun(240_000);
    const got = (await page.evaluate(READ_TRACE)) as { best: number; grid: { rows: number; cols: number } };
    expect(got.grid).toEqual({ rows: grid.rows, cols: grid.cols });
    expect(got.best).toBe(cell);
    const generation = await page.evaluate('window.__realStore.getState().run.trace.generation');
    expect(generation).toMatchObject({
      greedy: true,
      repetitionPenalty: 1.05,
      temperature: 0.1,
      topK: 1,
      seed: 0,
    });
  } finally {
    await hub.close();
  }
});

test('float16 embeddings: refused in one line on a WebGPU without shader-f16, run on WebAssembly', async ({
  inspector,
  page,
}) => {
  test.setTimeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'fam-f16-'));
  writeTinyRepo(dir, 'gemma3', { float16Embeddings: 'both' });
  const { image, grid, cell } = plantedImage('gemma3', 160, 160, 5, 9);
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  const pngPath = join(dir, 'planted.png');
  writeFileSync(pngPath, PNG.sync.write(png));
  const hub = await serveHub({ repos: { 'tiny/f16': dir } });
  const load = async (query: string) => {
    await inspector.open(`?autoload=0&bench${query}`);
    await page.getByTestId('hub.repo').fill('tiny/f16');
    await page.getByText('Hub and dtypes').click();
    await page.getByTestId('hub.base').fill(hub.url);
    await page.getByTestId('hub.check').click();
    await page.getByTestId('hub.load').click();
  };
  try {
    await inspector.open('?autoload=0&bench');
    const f16 = (await page.evaluate(
      'navigator.gpu ? navigator.gpu.requestAdapter().then((a) => !!a && a.features.has("shader-f16")) : false',
    )) as boolean;
    if (!f16) {
      // SwiftShader has no shader-f16: the load stops before any session, with one line.
      await load('');
      await expect(page.getByTestId('model.error')).toHaveText(
        "onnx/embed_tokens.onnx: its embeddings are float16, which WebGPU runs only with shader-f16, and this browser's GPU lacks it; use the WebAssembly backend",
        { timeout: 120_000 },
      );
    }
    await load('&backend=wasm');
    await inspector.waitForModel(180_000);
    await page.getByTestId('image-size.native').check();
    await page.getByTestId('image.upload').setInputFiles(pngPath);
    await inspector.waitForRun(240_000);
    const got = (await page.evaluate(READ_TRACE)) as {
      best: number;
      grid: { rows: number; cols: number };
      text: string;
    };
    expect(got.grid).toEqual({ rows: grid.rows, cols: grid.cols });
    expect(got.text).toContain('scratch');
    expect(got.best).toBe(cell);
  } finally {
    await hub.close();
  }
});

test("image size: the paper's 420 × 420 by default; native sizing capped to the cap a user sets, with a visible note", async ({
  inspector,
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'fam-sizing-'));
  writeTinyRepo(dir, 'qwen2_vl');
  const { image } = plantedImage('qwen2_vl', 300, 140, 3, 9);
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  const pngPath = join(dir, 'planted.png');
  writeFileSync(pngPath, PNG.sync.write(png));
  const hub = await serveHub({ repos: { 'tiny/sizing': dir } });
  try {
    await inspector.open('?autoload=0&bench');
    await page.getByTestId('hub.repo').fill('tiny/sizing');
    await page.getByText('Hub and dtypes').click();
    await page.getByTestId('hub.base').fill(hub.url);
    await page.getByTestId('hub.check').click();
    await page.getByTestId('hub.load').click();
    await inspector.waitForModel(180_000);
    await expect(page.getByTestId('image-size.paper')).toBeChecked();
    await expect(page.getByTestId('image-size.plan')).toContainText(/cap: \d+ image tokens/);
    await page.getByTestId('image.upload').setInputFiles(pngPath);
    await inspector.waitForRun(240_000);
    const trace = () =>
      page.evaluate(
        '(() => { const t = window.__realStore.getState().run.trace; return { grid: t.grid, sizing: t.sizing}; })()',
      );
    // The tiny processor's max_pixels (50176) makes 420 × 420 into 224 × 224: an 8 × 8 grid over the 300 × 140 image.
    expect(await trace()).toEqual({
      grid: { rows: 8, cols: 8 },
      sizing: { mode: 'paper', size: [224, 224], capped: false },
    });
    await expect(page.getByTestId('image-size.capped')).toHaveCount(0);
    // Native, with a cap of 12 image tokens: the 300 × 140 image (natively 55 tokens) is made to fit, and the panel says so.
    await page.getByTestId('image-size.native').check();
    await page.getByTestId('image-size.cap').fill('12');
    // Another file name: the same one again would not change the input.
    const again = join(dir, 'planted-again.png');
    writeFileSync(again, PNG.sync.write(png));
    await page.getByTestId('image.upload').setInputFiles(again);
    await expect
      .poll(async () => ((await trace()) as { sizing: { mode: string } }).sizing.mode, { timeout: 240_000 })
      .toBe('native');
    await inspector.waitForRun(240_000);
    const capped = (await trace()) as {
      grid: { rows: number; cols: number };
      sizing: { mode: string; capped: boolean };
    };
    expect(capped.sizing).toMatchObject({ mode: 'native', capped: true });
    expect(capped.grid.rows * capped.grid.cols).toBeLessThanOrEqual(12);
    await expect(page.getByTestId('image-size.capped')).toContainText('native sizing capped to fit memory');
    await page.screenshot({ path: 'test-results/image-size-capped.png', fullPage: true });
  } finally {
    await hub.close();
  }
});
