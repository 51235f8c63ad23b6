import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config';
import {
  auroc,
  defaultSettings,
  prepareTrace,
  readAnswer,
  resizeBilinear,
  scorePrepared,
  serializeTrace,
  type AnyTrace,
} from '../src/real';
import { maskFromPng, decodePngDataUrl } from '../src/cli/png';
import { readTraceFile } from '../src/cli/trace-file';
import { fixtureRun, fixtureRuns, seeded, writeRuns } from '../tests/run-set-fixture';
import { expect, test } from './inspector';
import { jsMemoryBytes, setLoaded, watchLoad } from './run-set-measure';

/**
 * Failure analysis over a run set (#20), on 500 generated traces in MVTec
 * AD's layout (a quarter .rtrace, five categories), written here into a
 * temporary folder: how fast the gallery opens and what it costs the page,
 * that its filters and numbers are the CLI's for the same folder, that a
 * tile opens its run and back returns to the same place, that the word table
 * is what the traces say, and two runs of one image side by side.
 */

test.use({
  viewport: { width: 1400, height: 1000 },
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // measureUserAgentSpecificMemory answers at once, not at the next GC.
    args: [...CHROMIUM_ARGS, '--enable-blink-features=ForceEagerMeasureMemory'],
  },
});
test.describe.configure({ mode: 'serial' });

const N = 500;
const settings = defaultSettings();
let root = '';
let cliDir = '';
let traces: { path: string; trace: AnyTrace }[] = [];
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let cli: any;

function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'real-gallery-'));
  const runs = fixtureRuns(N, 11);
  writeRuns(root, runs);
  // The traces as the CLI reads them back (the .rtrace ones in float16).
  traces = runs.map((r) => ({ path: r.path, trace: readTraceFile(join(root, r.path)) }));
  // The CLI's report on a copy (eval-traces writes its summary and report into the folder it reads).
  cliDir = mkdtempSync(join(tmpdir(), 'real-gallery-cli-'));
  cpSync(root, cliDir, { recursive: true });
  const r = real('eval-traces', cliDir);
  expect(r.status, r.stderr).toBe(0);
  cli = JSON.parse(r.stdout);
});

async function openSet(page: Page, dir: string, slot: 'A' | 'B' = 'A') {
  await page.getByTestId(`run-set.${slot}.input`).setInputFiles(dir);
}

async function loaded(page: Page, slot: 'A' | 'B' = 'A') {
  await expect(page.locator(`[data-testid="run-set.${slot}.status"][data-loading="false"]`)).toBeVisible({
    timeout: 120_000,
  });
}

const shown = (page: Page) => page.getByTestId('gallery.grid').getAttribute('data-count').then(Number);

const f3 = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(3);

test('500 traces open fast, cheaply, with the CLI’s counts; a tile opens its run and back keeps the place', async ({
  page,
  browser,
}) => {
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  const watch = await watchLoad(browser, page);
  await openSet(page, root);
  await setLoaded(page);
  const m = await watch.stop();
  await loaded(page);
  await expect(page.getByTestId('run-set.A.status')).toContainText(
    `${N} of ${N} runs: 0 from the summary, ${N} scored`,
  );
  const heap = await jsMemoryBytes(page);
  const said = [
    `first tiles ${m.firstTileMs.toFixed(0)} ms wall (${m.firstTileCpuMs.toFixed(0)} ms CPU of page and workers)`,
    `all ${N} rows ${m.doneMs.toFixed(0)} ms wall; CPU: page ${m.cpuMs.main.toFixed(0)} ms, workers ${m.cpuMs.workers.toFixed(0)} ms`,
    `longtask entries (wall > 50 ms) ${m.longTasks.length}${m.longTasks.length ? `, longest ${Math.max(...m.longTasks.map((t) => t.duration)).toFixed(0)} ms` : ''}`,
    `longest main-thread task CPU ${m.longestTaskCpuMs.toFixed(1)} ms`,
    m.inputTask
      ? `the browser's own file-input task before: ${m.inputTask.wallMs.toFixed(0)} ms wall, ${m.inputTask.cpuMs.toFixed(0)} ms CPU`
      : '',
    `JS memory (page and workers) ${(heap / 2 ** 20).toFixed(1)} MB`,
  ];
  console.log(`run set of ${N}: ${said.filter(Boolean).join('; ')}`);
  test.info().annotations.push({ type: 'measured', description: said.filter(Boolean).join('; ') });
  // The issue's bounds. First tiles are bounded by the page's own clock (they come in well under a
  // second even with the machine loaded); the whole gallery by the CPU time the page and its workers
  // spend on it (this 2-core machine's load stretches wall time several-fold), wall time as a hang guard.
  expect(m.firstTileMs).toBeLessThan(2_000);
  expect(m.cpuMs.main + m.cpuMs.workers).toBeLessThan(10_000);
  expect(m.doneMs).toBeLessThan(120_000);
  // No task of the page's own over 50 ms: by CPU time (wall time counts the time a loaded machine
  // gives the thread to others; the longtask entries above are reported, not asserted).
  expect(m.cpuLongTasks).toEqual([]);
  expect(heap).toBeLessThan(300 * 2 ** 20);

  // Filters: the counts the CLI's report gives, category by category.
  const cats = Object.keys(cli.categories).sort();
  expect(cats.length).toBe(5);
  for (const c of cats) {
    const rep = cli.categories[c];
    await page.getByTestId(`filter.category.${c}`).check();
    await expect.poll(() => shown(page)).toBe(rep.images);
    const row = page.locator(`[data-testid="set-numbers.row"][data-category="${c}"]`);
    await expect(row.getByTestId('set-numbers.images')).toHaveText(String(rep.images));
    await expect(row.getByTestId('set-numbers.anomalous')).toHaveText(String(rep.anomalous));
    await expect(row.getByTestId('set-numbers.acc')).toHaveText(f3(rep.image.acc));
    await expect(row.getByTestId('set-numbers.imageAuroc')).toHaveText(f3(rep.image.auroc));
    // Right answers are TP and TN: ACC × images of them.
    await page.getByTestId('filter.outcome.TP').check();
    await page.getByTestId('filter.outcome.TN').check();
    await expect.poll(() => shown(page)).toBe(Math.round(rep.image.acc * rep.images));
    await page.getByTestId('filter.outcome.TP').uncheck();
    await page.getByTestId('filter.outcome.TN').uncheck();
    // An answer cut off before <answer> has no P(yes): the report counts them.
    if (rep.image.missingAnswerProbability > 0) {
      await page.getByTestId('filter.outcome.unknown').check();
      await expect.poll(() => shown(page)).toBe(rep.image.missingAnswerProbability);
      await page.getByTestId('filter.outcome.unknown').uncheck();
    }
    await page.getByTestId(`filter.category.${c}`).uncheck();
  }
  // The table shows only the chosen categories, and their mean.
  await page.getByTestId(`filter.category.${cats[0]}`).check();
  await expect(page.getByTestId('set-numbers.row')).toHaveCount(1);
  await page.getByTestId(`filter.category.${cats[0]}`).uncheck();
  await expect(page.getByTestId('set-numbers.row')).toHaveCount(5);
  await expect(page.getByTestId('set-numbers.table')).toHaveAttribute('data-source', 'rows');

  // Sorting: P(yes) highest first, and per-image pixel AUROC lowest first, as computed here from the traces.
  const pYes = traces
    .filter((t) => t.trace.answerProbability !== undefined)
    .sort((a, b) => b.trace.answerProbability! - a.trace.answerProbability! || (a.path < b.path ? -1 : 1));
  await page.getByTestId('gallery.sort').selectOption('pYes');
  await page.getByTestId('gallery.sort-dir').selectOption('desc');
  await expect(page.getByTestId('gallery.tile').first()).toHaveAttribute('data-trace', pYes[0].path);
  const perImage = traces
    .filter((t) => t.trace.label === 1)
    .map((t) => {
      const mask = maskFromPng(decodePngDataUrl(t.trace.mask!, 'mask'));
      const score = scorePrepared(prepareTrace(t.trace, settings), settings);
      const { rows, cols } = t.trace.grid;
      return { path: t.path, auroc: auroc(resizeBilinear(score.map, rows, cols, 64, 64), mask) };
    })
    .sort((a, b) => a.auroc - b.auroc || (a.path < b.path ? -1 : 1));
  await page.getByTestId('gallery.sort').selectOption('pixelAuroc');
  await page.getByTestId('gallery.sort-dir').selectOption('asc');
  const firstThree = await page
    .getByTestId('gallery.tile')
    .evaluateAll((ts) => ts.slice(0, 3).map((t) => t.getAttribute('data-trace')));
  expect(firstThree).toEqual(perImage.slice(0, 3).map((p) => p.path));

  // A tile opens its run in the inspector; → steps to the next; back returns to the same place.
  await page.getByTestId('gallery.sort').selectOption('path');
  await page.getByTestId(`filter.category.${cats[1]}`).check();
  await page.getByTestId(`filter.category.${cats[3]}`).check();
  const fn = await shown(page);
  expect(fn).toBe(cli.categories[cats[1]].images + cli.categories[cats[3]].images);
  const grid = page.getByTestId('gallery.grid');
  await grid.evaluate((g) => (g.scrollTop = 1200));
  await expect.poll(() => grid.evaluate((g) => g.scrollTop)).toBe(1200);
  // A tile well inside the view (the ones drawn above and below it are not in view).
  const path = (await grid.evaluate((g) => {
    const top = g.getBoundingClientRect().top;
    const tiles = [...g.querySelectorAll('[data-testid="gallery.tile"]')];
    return tiles.find((t) => t.getBoundingClientRect().top > top + 200)!.getAttribute('data-trace');
  }))!;
  const tile = page.locator(`[data-testid="gallery.tile"][data-trace="${path}"]`);
  const list = await page
    .getByTestId('gallery.tile')
    .evaluateAll((ts) => ts.map((t) => t.getAttribute('data-trace')));
  await tile.click();
  const name = (p: string) =>
    p
      .split('/')
      .pop()!
      .replace(/\.(json|rtrace)$/, '');
  await expect(page.getByTestId('run.answer')).toContainText(`${name(path)}:`);
  const tokens = traces.find((t) => t.path === path)!.trace.generated.length;
  await expect(page.getByTestId('token-strip.token')).toHaveCount(tokens);
  const at = (await page.getByTestId('gallery-bar.place').textContent())!;
  expect(at).toMatch(new RegExp(` of ${fn}$`));
  const k = Number(at.split(' ')[0]);
  await page.locator('body').press('ArrowRight');
  await expect(page.getByTestId('gallery-bar.place')).toHaveText(`${k + 1} of ${fn}`);
  const nextPath = list[list.indexOf(path) + 1]!;
  await expect(page.getByTestId('run.answer')).toContainText(`${name(nextPath)}:`);
  await page.locator('body').press('ArrowLeft');
  await expect(page.getByTestId('gallery-bar.place')).toHaveText(`${k} of ${fn}`);
  await page.getByTestId('gallery-bar.back').click();
  await expect(grid).toBeVisible();
  expect(await grid.evaluate((g) => g.scrollTop)).toBe(1200);
  await expect(page.locator(`[data-testid="gallery.tile"][data-trace="${path}"]`)).toBeFocused();
  expect(await shown(page)).toBe(fn);
});

test('the word table says what the traces say', async ({ page }) => {
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  await openSet(page, root);
  await loaded(page);
  await page.getByTestId('gallery.tab.words').click();
  // Computed here from the same traces: reasoning tokens (scored by ReAL) joined into words where a piece
  // does not start with a boundary marker and follows the previous token; a word is kept when a piece is;
  // its AUROC in an image is the mean over its pieces of AUROC(piece's map, mask).
  const words = new Map<string, { occurrences: number; kept: number; aurocs: number[] }>();
  for (const { trace } of traces) {
    const prepared = prepareTrace(trace, settings);
    const score = scorePrepared(prepared, settings);
    const mask = trace.label === 1 ? maskFromPng(decodePngDataUrl(trace.mask!, 'mask')) : null;
    const { rows, cols } = trace.grid;
    const pieces = score.tokens.map((t, r) => ({
      index: t.index,
      text: trace.generated[t.index].text,
      kept: t.selected,
      auroc: mask ? auroc(resizeBilinear(prepared.maps[r], rows, cols, 64, 64), mask) : null,
    }));
    let cur: typeof pieces = [];
    const close = () => {
      if (!cur.length) return;
      const w = cur
        .map((p) => p.text)
        .join('')
        .replace(/▁/g, '')
        .trim()
        .toLowerCase();
      const e = words.get(w) ?? { occurrences: 0, kept: 0, aurocs: [] };
      e.occurrences++;
      if (cur.some((p) => p.kept)) e.kept++;
      if (mask) e.aurocs.push(cur.reduce((n, p) => n + p.auroc!, 0) / cur.length);
      words.set(w, e);
      cur = [];
    };
    for (const p of pieces) {
      if (cur.length && (p.text.startsWith('▁') || p.index !== cur[cur.length - 1].index + 1)) close();
      cur.push(p);
    }
    close();
  }
  const rows = page.getByTestId('words.row');
  await expect(rows).toHaveCount(words.size);
  for (const [word, e] of words) {
    const row = page.locator(`[data-testid="words.row"][data-word="${word}"]`);
    await expect(row.getByTestId('words.occurrences')).toHaveText(String(e.occurrences));
    await expect(row.getByTestId('words.kept')).toHaveText(String(e.kept));
    const v = await row.getByTestId('words.auroc').getAttribute('data-value');
    if (e.aurocs.length)
      expect(Number(v)).toBeCloseTo(e.aurocs.reduce((a, b) => a + b, 0) / e.aurocs.length, 9);
    else expect(v).toBe('');
  }
  // Sorted by mean AUROC, highest first: the word the fixture's maps put on the defect lead.
  await page.getByTestId('words.sort.meanAuroc').click();
  const best = [...words]
    .filter(([, e]) => e.aurocs.length)
    .sort((a, b) => {
      const m = (x: number[]) => x.reduce((s, y) => s + y, 0) / x.length;
      return m(b[1].aurocs) - m(a[1].aurocs);
    })[0][0];
  await expect(rows.first()).toHaveAttribute('data-word', best);
  await expect(page.getByTestId('words.bars')).toBeVisible();
  await page.getByTestId('gallery.tab.tokens').click();
  const total = [...words.values()].reduce((n, e) => n + e.occurrences, 0);
  expect(total).toBeGreaterThan(0);
  await expect(page.getByTestId('set-scatter.canvas')).toHaveAccessibleName(
    /S_T against S_I for \d+ reasoning tokens of 500 runs/,
  );
});

test('a real eval-traces output opens from its summary, with the report’s numbers', async ({ page }) => {
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  await openSet(page, cliDir);
  await loaded(page);
  await expect(page.getByTestId('run-set.A.status')).toContainText(
    `${N} of ${N} runs: ${N} from the summary, 0 scored`,
  );
  await expect(page.getByTestId('set-numbers.table')).toHaveAttribute('data-source', 'report');
  for (const c of Object.keys(cli.categories)) {
    const rep = cli.categories[c];
    const row = page.locator(`[data-testid="set-numbers.row"][data-category="${c}"]`);
    await expect(row.getByTestId('set-numbers.pixelAuroc')).toHaveText(f3(rep.pixel.both.all.auroc));
    await expect(row.getByTestId('set-numbers.aupro')).toHaveText(f3(rep.pixel.both.all.aupro));
  }
});

test('a summary scored with other settings: the traces it lacks are scored with its settings, said; scored again on demand', async ({
  page,
}) => {
  // real eval-traces with --k 5 --alpha 0.8, then one category's rows taken out of its summary.
  const dir = mkdtempSync(join(tmpdir(), 'real-gallery-k5-'));
  cpSync(root, dir, { recursive: true });
  const r = real('eval-traces', dir, '--k', '5', '--alpha', '0.8');
  expect(r.status, r.stderr).toBe(0);
  const [head, ...lines] = readFileSync(join(dir, 'summary.jsonl'), 'utf8').trim().split('\n');
  const k5 = new Map(lines.map((l) => JSON.parse(l)).map((row) => [row.trace, row]));
  const left = Object.keys(cli.categories).sort()[0];
  const kept = lines.filter((l) => JSON.parse(l).category !== left);
  writeFileSync(join(dir, 'summary.jsonl'), [head, ...kept].join('\n') + '\n');
  const byDefault = new Map(
    readFileSync(join(cliDir, 'summary.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l))
      .map((row) => [row.trace, row]),
  );
  const csvRows = async () => {
    const csv = page.waitForEvent('download');
    await page.getByTestId('gallery.csv').click();
    const [names, ...rest] = readFileSync((await (await csv).path())!, 'utf8')
      .trim()
      .split('\n');
    const cols = names.split(',');
    // No field of these rows holds a comma but keptWords, the last column.
    return rest.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
  };
  const same = (got: string, want: number | null) =>
    want === null ? expect(got).toBe('') : expect(Number(got)).toBeCloseTo(want, 12);

  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  await openSet(page, dir);
  await loaded(page);
  const scored = cli.categories[left].images;
  await expect(page.getByTestId('run-set.A.status')).toContainText(
    `${N} of ${N} runs: ${N - scored} from the summary, ${scored} scored from their traces`,
  );
  await expect(page.getByTestId('run-set.A.settings-differ')).toContainText('α 0.8 (app: 0.5)');
  await expect(page.getByTestId('run-set.A.settings-differ')).toContainText('k 5 (app: 3)');
  await expect(page.getByTestId('set-numbers.table')).toHaveAttribute('data-source', 'report');
  // Every row is the CLI's with k 5 and α 0.8, those the app scored too (J and the map's AUROC move with both).
  let moved = 0;
  const rows = await csvRows();
  expect(rows.length).toBe(N);
  for (const row of rows) {
    const want = k5.get(row.trace)!;
    same(row.jaccard, want.jaccard);
    same(row.pixelAuroc, want.pixelAuroc);
    const other = byDefault.get(row.trace)!;
    if (want.category === left && (other.jaccard !== want.jaccard || other.pixelAuroc !== want.pixelAuroc))
      moved++;
  }
  // The test means something: the default settings would have given other rows.
  expect(moved).toBeGreaterThan(scored / 4);

  // Scored again with the app's settings: no summary, no report; every row the default settings' one.
  await page.getByTestId('run-set.A.rescore').click();
  await loaded(page);
  await expect(page.getByTestId('run-set.A.status')).toContainText(
    `${N} of ${N} runs: 0 from the summary, ${N} scored`,
  );
  await expect(page.getByTestId('run-set.A.settings-differ')).toHaveCount(0);
  await expect(page.getByTestId('set-numbers.table')).toHaveAttribute('data-source', 'rows');
  for (const row of await csvRows()) {
    same(row.jaccard, byDefault.get(row.trace)!.jaccard);
    same(row.pixelAuroc, byDefault.get(row.trace)!.pixelAuroc);
  }

  // Or the other way: the set's settings taken into the app.
  await openSet(page, dir);
  await loaded(page);
  await page.getByTestId('run-set.A.use-settings').click();
  await expect(page.getByTestId('run-set.A.settings-differ')).toHaveCount(0);
  await page.getByTestId('mode.inspector').click();
  await expect(page.getByTestId('settings.alpha')).toHaveValue('0.8');
  await expect(page.getByLabel('top-k for CGRO')).toHaveValue('5');
});

test('two runs of one image with different grids side by side: the difference over the image, one token on both', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'real-side-'));
  mkdirSync(dir, { recursive: true });
  // The same image and reasoning (one seed) at a 12 × 12 and a 16 × 16 grid.
  const run = (n: number) =>
    fixtureRun({
      category: 'wood',
      defect: 'scratch',
      name: '007',
      rows: n,
      cols: n,
      size: 96,
      blob: { x: 0.35, y: 0.6, r: 0.16 },
      outcome: 'right',
      random: seeded(7),
      version2: true,
    });
  writeFileSync(join(dir, 'a12.json'), serializeTrace(run(12)));
  writeFileSync(join(dir, 'b16.json'), serializeTrace(run(16)));
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('trace.open').setInputFiles(join(dir, 'a12.json'));
  await expect(page.getByTestId('run.answer')).toContainText('a12:');
  await page.getByTestId('compare.open').setInputFiles(join(dir, 'b16.json'));
  await expect(page.getByTestId('compare.B.answer')).toContainText('16 × 16 grid');
  await expect(page.getByTestId('compare.A.answer')).toContainText('12 × 12 grid');
  const diff = page.getByTestId('compare.diff');
  await expect(diff).toHaveAttribute('data-on', 'image');
  await expect(page.getByTestId('compare.diff.what')).toContainText('over the image');
  // Drawn over the image: coloured where the maps differ, the image itself elsewhere.
  const tinted = () =>
    page.getByTestId('compare.diff.canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let red = 0;
      let blue = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] - d[i + 2] > 60) red++;
        if (d[i + 2] - d[i] > 60) blue++;
      }
      return { red, blue, pixels: d.length / 4 };
    });
  const before = await tinted();
  expect(before.red + before.blue).toBeGreaterThan(100);
  const diffPixels = () =>
    page.getByTestId('compare.diff.canvas').evaluate((c: HTMLCanvasElement) =>
      Array.from(
        c
          .getContext('2d')!
          .getImageData(0, 0, c.width, c.height)
          .data.filter((_, i) => i % 40 === 0),
      ),
    );
  const reamMap = await diffPixels();

  // A token clicked on A is chosen on B by its text and place among equal texts; and the other way.
  const gen = run(12).generated;
  const reasoningIndex = gen.findIndex((t) => t.text === '▁scr');
  await page.locator(`[data-testid="compare.A.token"][data-index="${reasoningIndex}"]`).click();
  await expect(
    page.locator(`[data-testid="compare.B.token"][data-index="${reasoningIndex}"]`),
  ).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('compare.A.title')).toContainText('“▁scr”');
  await expect(page.getByTestId('compare.B.title')).toContainText('“▁scr”');
  await expect.poll(async () => (await diffPixels()).some((v, i) => Math.abs(v - reamMap[i]) > 2)).toBe(true);
  const other = gen.findIndex((t, i) => i > reasoningIndex && !t.special && t.text.startsWith('▁'));
  await page.locator(`[data-testid="compare.B.token"][data-index="${other}"]`).click();
  await expect(page.locator(`[data-testid="compare.A.token"][data-index="${other}"]`)).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(
    page.locator(`[data-testid="compare.A.token"][data-index="${reasoningIndex}"]`),
  ).toHaveAttribute('aria-selected', 'false');
  // One colour scale for both: each side's legend then shows the same range.
  const legends = () =>
    page.locator('[data-testid="compare.A"] .legend, [data-testid="compare.B"] .legend').allTextContents();
  const [la, lb] = await legends();
  expect(la).toBe(lb);
  await page.getByTestId('compare.shared-scale').uncheck();
  await expect.poll(async () => new Set(await legends()).size).toBe(2);
  const figure = page.waitForEvent('download');
  await page.getByTestId('compare.figure').click();
  const png = readFileSync((await (await figure).path())!);
  expect(png.length).toBeGreaterThan(10_000);
  expect(png.readUInt32BE(16)).toBeGreaterThan(600); // the width: three panels
  expect(readAnswer(gen).answer).toBe('yes');
});

test('traces dropped on the gallery open as a run set; a second set dropped on B pairs with it', async ({
  page,
}) => {
  await page.goto('/?autoload=0&example=0');
  await page.getByTestId('mode.gallery').click();
  const some = traces.filter((t) => t.path.endsWith('.json')).slice(0, 6);
  const drop = async (target: string, files: { name: string; text: string }[]) => {
    const dt = await page.evaluateHandle((fs) => {
      const dt = new DataTransfer();
      for (const f of fs) dt.items.add(new File([f.text], f.name, { type: 'application/json' }));
      return dt;
    }, files);
    await page.locator(target).dispatchEvent('dragover', { dataTransfer: dt });
    await page.locator(target).dispatchEvent('drop', { dataTransfer: dt });
  };
  const files = some.map((t) => ({ name: t.path.split('/').pop()!, text: serializeTrace(t.trace) }));
  await drop('[data-testid="run-set"]', files);
  await loaded(page);
  await expect.poll(() => shown(page)).toBe(6);
  await expect(page.getByTestId('run-set.A.name')).toHaveText('dropped files');
  // The same images answered the other way round in B: every image is "A right and B wrong" or the reverse.
  const flipped = some.map((t) => {
    const g = t.trace.generated.map((x) =>
      x.text === '▁yes' ? { ...x, text: '▁no' } : x.text === '▁no' ? { ...x, text: '▁yes' } : x,
    );
    return { name: t.path.split('/').pop()!, text: serializeTrace({ ...t.trace, generated: g }) };
  });
  await drop('.drop-b', flipped);
  await loaded(page, 'B');
  const right = some.filter((t) => {
    const a = readAnswer(t.trace.generated).answer;
    return a !== null && (a === 'yes') === (t.trace.label === 1);
  }).length;
  const answered = some.filter((t) => readAnswer(t.trace.generated).answer !== null).length;
  await page.getByTestId('filter.pair').selectOption('a-right-b-wrong');
  await expect.poll(() => shown(page)).toBe(right);
  await page.getByTestId('filter.pair').selectOption('b-right-a-wrong');
  await expect.poll(() => shown(page)).toBe(answered - right);
  // Both sets' numbers, with their differences.
  await expect(page.getByTestId('set-numbers.table')).toContainText('→');
  // The selection as a PNG figure, and the rows as CSV.
  const figure = page.waitForEvent('download');
  await page.getByTestId('gallery.figure').click();
  const png = readFileSync((await (await figure).path())!);
  expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
  const csv = page.waitForEvent('download');
  await page.getByTestId('gallery.csv').click();
  const rows = readFileSync((await (await csv).path())!, 'utf8')
    .trim()
    .split('\n');
  expect(rows[0]).toMatch(/^trace,id,category,defect,label,answer,outcome,pYes,/);
  expect(rows.length).toBe(1 + (answered - right));
});
