import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { defaultSettings, evaluate, maskFromRgba, type EvalItem } from '../../src/real';
import { buildSummaryRow, summaryHeader } from '../../src/real/run-set/summary';
import type { RunSummaryRow } from '../../src/real/run-set/summary-types';
import { setNumbersFromRows } from '../../src/ui/run-set/set-numbers';
import type { GalleryRow, RunSetFile } from '../../src/workers/run-set-api';
import {
  Budget,
  buildRows,
  isTraceFile,
  readSummaries,
  type RunSetDeps,
} from '../../src/workers/run-set/open-run-set';
import { categoryFromPath, readTraceBlob } from '../../src/workers/run-set/read-trace-blob';
import { jsonLines } from '../../src/workers/run-set/summary-file';
import { CANCELLED } from '../../src/workers/trace-api';
import { fixtureRuns, writeRuns } from '../run-set-fixture';

/**
 * The run-set reader as the worker drives it, in Node: images decoded with
 * pngjs where the worker uses a canvas, everything else the same code.
 */

const settings = defaultSettings();

function decodePng(url: string) {
  const png = PNG.sync.read(Buffer.from(url.slice(url.indexOf(',') + 1), 'base64'));
  return { width: png.width, height: png.height, data: maskFromRgba(png.data, png.width * png.height) };
}

function deps(over: Partial<RunSetDeps> = {}): RunSetDeps {
  return {
    async buildRow(file, path) {
      const trace = await readTraceBlob(file);
      const mask = trace.mask ? decodePng(trace.mask) : null;
      const row = buildSummaryRow({ trace, file: path, ...categoryFromPath(path), mask, settings });
      return { row, maskOutline: null };
    },
    maskOutline: async () => ({ d: 'M0,0Z', width: 1, height: 1 }),
    checkpoint: async () => {},
    now: () => performance.now(),
    ...over,
  };
}

function folder(count: number, seed = 3) {
  const root = mkdtempSync(join(tmpdir(), 'real-run-set-'));
  const runs = fixtureRuns(count, seed);
  writeRuns(root, runs);
  const files: RunSetFile[] = runs.map((r) => ({
    path: r.path,
    file: new Blob([readFileSync(join(root, r.path))]),
  }));
  return { root, runs, files };
}

async function collect<T>(
  f: (onBatch: (b: { rows: GalleryRow[]; failures: { path: string }[] }) => void) => Promise<T>,
) {
  const rows: GalleryRow[] = [];
  const failures: { path: string }[] = [];
  const out = await f((b) => {
    rows.push(...b.rows);
    failures.push(...b.failures);
  });
  return { out, rows, failures };
}

describe('opening a run set for the gallery', () => {
  it('scores every trace without a summary row into a row, category and defect from the path', async () => {
    const { runs, files } = folder(40);
    const s = await collect((b) =>
      readSummaries(
        files,
        files.map((f) => f.path),
        deps(),
        b,
      ),
    );
    expect(s.rows).toEqual([]);
    expect(s.out.covered).toEqual([]);
    const built = await collect((b) => buildRows(files, deps(), new Budget(), b));
    expect(built.out).toEqual({ built: 40, failed: 0 });
    expect(built.rows.map((r) => r.trace).sort()).toEqual(runs.map((r) => r.path).sort());
    for (const r of built.rows) {
      const run = runs.find((x) => x.path === r.trace)!;
      expect([r.category, r.defect, r.label, r.source]).toEqual([
        run.category,
        run.defect,
        run.trace.label,
        'built',
      ]);
    }
    // The image numbers from rows are the CLI's evaluate() on the same traces, category by category.
    const numbers = setNumbersFromRows(built.rows, []);
    let finite = 0;
    for (const c of numbers.categories) {
      const items: EvalItem[] = runs
        .filter((r) => r.category === c.category)
        .map((r) => {
          const m = r.trace.mask ? decodePng(r.trace.mask) : null;
          return { trace: r.trace, label: r.trace.label!, width: 64, height: 64, mask: m?.data ?? null };
        });
      const report = evaluate(items, settings);
      expect(c.images).toBe(report.images);
      expect(c.anomalous).toBe(report.anomalous);
      expect(c.acc).toBeCloseTo(report.image.acc, 12);
      if (Number.isFinite(report.image.auroc)) {
        finite++;
        expect(c.imageAuroc).toBeCloseTo(report.image.auroc, 12);
        expect(c.imageAupr).toBeCloseTo(report.image.aupr, 12);
        expect(c.f1Max).toBeCloseTo(report.image.f1Max, 12);
      } else expect(c.imageAuroc).toBeNull();
    }
    // Some categories have an answer cut off before <answer> (no P(yes): undefined, as the CLI says).
    expect(finite).toBeGreaterThan(0);
  });

  it('takes the union of the summaries, a later file’s row first; leaves out rows of absent traces; refuses bad rows', async () => {
    const { files } = folder(12);
    const built = await collect((b) => buildRows(files, deps(), new Budget(), b));
    const byPath = new Map(built.rows.map((r) => [r.trace, r]));
    const strip = ({ maskOutline: _m, source: _s, ...r }: GalleryRow): RunSummaryRow => r;
    const paths = files.map((f) => f.path).sort();
    const header = JSON.stringify(summaryHeader(settings));
    const line = (r: RunSummaryRow) => JSON.stringify(r);
    const first = [header, ...paths.slice(0, 6).map((p) => line(strip(byPath.get(p)!)))];
    // The shard file replaces row 0 (its id says so), adds rows 6 and 7, a row for a trace that is not
    // there, one that is not JSON, and one with a map of the wrong length (trace 8: scored from its file).
    const replaced = { ...strip(byPath.get(paths[0])!), id: 'replaced' };
    const second = [
      header,
      line(replaced),
      line(strip(byPath.get(paths[6])!)),
      line(strip(byPath.get(paths[7])!)),
      line({ ...strip(byPath.get(paths[1])!), trace: 'elsewhere/none.json' }),
      '{not json',
      line({ ...strip(byPath.get(paths[8])!), map: [1, 2, 3] }),
    ];
    const all: RunSetFile[] = [
      ...files,
      { path: 'summary.jsonl', file: new Blob([first.join('\n') + '\n']) },
      { path: 'summary.shard-2-of-2.jsonl', file: new Blob([second.join('\n')]) },
      { path: 'report.json', file: new Blob([JSON.stringify({ images: 12, categories: {} })]) },
    ];
    const s = await collect((b) =>
      readSummaries(
        all.filter((f) => !isTraceFile(f.path)),
        all.filter((f) => isTraceFile(f.path)).map((f) => f.path),
        deps(),
        b,
      ),
    );
    expect(s.out.covered.sort()).toEqual(paths.slice(0, 8));
    expect(s.rows.find((r) => r.trace === paths[0])!.id).toBe('replaced');
    expect(s.rows.every((r) => r.source === 'summary' && r.maskOutline !== undefined)).toBe(true);
    expect(s.out.report).toEqual({ images: 12, categories: {} });
    expect(s.out.reportPath).toBe('report.json');
    expect(s.out.header?.format).toBe('real-run-summary');
    expect(s.out.notes.join('\n')).toMatch(/elsewhere\/none\.json is not in the folder/);
    expect(s.out.notes.join('\n')).toMatch(/line 6: not JSON/);
    expect(s.out.notes.join('\n')).toMatch(/line 7: map: expected 64 values/);
    // A header that is not a summary's: the whole file is left out, said once.
    const bad = await readSummaries(
      [{ path: 'summary.jsonl', file: new Blob(['{"format":"x"}\n']) }],
      paths,
      deps(),
      () => {},
    );
    expect(bad.covered).toEqual([]);
    expect(bad.notes[0]).toMatch(
      /summary\.jsonl: not a run summary this app reads \(format: expected "real-run-summary"/,
    );
  });

  it('keeps one scoring: the summary’s settings, other settings’ files left out; the report that counts the folder', async () => {
    const { files } = folder(12);
    const k5 = { ...settings, k: 5, alpha: 0.8 };
    const paths = files.map((f) => f.path).sort();
    const rowsWith = async (s: typeof settings) => {
      const d = deps({
        async buildRow(file, path) {
          const trace = await readTraceBlob(file);
          const mask = trace.mask ? decodePng(trace.mask) : null;
          return { row: buildSummaryRow({ trace, file: path, mask, settings: s }), maskOutline: null };
        },
      });
      return (await collect((b) => buildRows(files, d, new Budget(), b))).rows;
    };
    const strip = ({ maskOutline: _m, source: _s, ...r }: GalleryRow): RunSummaryRow => r;
    const jsonl = (s: typeof settings, rows: GalleryRow[]) =>
      new Blob([[JSON.stringify(summaryHeader(s)), ...rows.map((r) => JSON.stringify(strip(r)))].join('\n')]);
    const ofK5 = (await rowsWith(k5)).filter((r) => paths.indexOf(r.trace) < 6);
    const ofDefault = (await rowsWith(settings)).filter((r) => paths.indexOf(r.trace) >= 6);
    const report = (images: number) => new Blob([JSON.stringify({ images, categories: {} })]);
    const open = (extra: RunSetFile[]) =>
      collect((b) =>
        readSummaries(
          extra,
          files.map((f) => f.path),
          deps(),
          b,
        ),
      );

    // summary.jsonl (k 5) first; the shard file scored with the defaults is left out whole, said.
    const a = await open([
      { path: 'summary.jsonl', file: jsonl(k5, ofK5) },
      { path: 'summary.shard-1-of-2.jsonl', file: jsonl(settings, ofDefault) },
      { path: 'report.shard-1-of-2.json', file: report(6) },
      { path: 'report.json', file: report(12) },
    ]);
    expect(a.out.settings).toEqual(k5);
    expect(a.out.covered.sort()).toEqual(paths.slice(0, 6));
    expect(a.out.notes.join('\n')).toMatch(
      /summary\.shard-1-of-2\.jsonl: scored with other settings than summary\.jsonl; its traces are scored from their files/,
    );
    expect(a.out.reportPath).toBe('report.json');

    // Only a shard's files: its report is of its slice, not of the folder's 12 traces.
    const b = await open([
      { path: 'summary.shard-1-of-2.jsonl', file: jsonl(settings, ofDefault) },
      { path: 'report.shard-1-of-2.json', file: report(6) },
    ]);
    expect(b.out.settings).toEqual(settings);
    expect(b.out.report).toBeNull();
    expect(b.out.notes.join('\n')).toMatch(
      /report\.shard-1-of-2\.json is of 6 images, the folder has 12 traces; numbers computed from rows/,
    );

    // No summary: no settings (the app's are used), a top-level report.json only if it counts the folder.
    const c = await open([{ path: 'report.json', file: report(12) }]);
    expect([c.out.settings, c.out.reportPath]).toEqual([null, 'report.json']);
    // A header whose settings are not settings: the file is left out, said.
    const bad = { ...summaryHeader(settings), settings: { ...settings, k: 0 } };
    const d = await open([{ path: 'summary.jsonl', file: new Blob([JSON.stringify(bad)]) }]);
    expect(d.out.settings).toBeNull();
    expect(d.out.notes[0]).toMatch(
      /summary\.jsonl: not a run summary this app reads \(settings\.k: expected/,
    );
  });

  it('says which file could not be read, in one line, and goes on', async () => {
    const { files } = folder(4);
    const broken = [...files, { path: 'x/test/cut/bad.json', file: new Blob(['{"format":"real-trace"']) }];
    const r = await collect((b) => buildRows(broken, deps(), new Budget(), b));
    expect(r.out).toEqual({ built: 4, failed: 1 });
    expect(r.failures).toEqual([
      { path: 'x/test/cut/bad.json', reason: expect.stringMatching(/^\(file\): not JSON/) },
    ]);
  });

  it('holds no more traces at once than its budget, and stops when cancelled', async () => {
    const { files } = folder(20);
    let now = 0;
    let most = 0;
    const slow = deps();
    const counting = deps({
      async buildRow(file, path) {
        now++;
        most = Math.max(most, now);
        await new Promise((r) => setTimeout(r, 2));
        try {
          return await slow.buildRow(file, path);
        } finally {
          now--;
        }
      },
    });
    await buildRows(files, counting, new Budget(3), () => {});
    expect(most).toBe(3);
    // Bytes too: a budget of one file's size lets one in at a time.
    most = 0;
    await buildRows(files, counting, new Budget(8, 1), () => {});
    expect(most).toBe(1);
    let calls = 0;
    const cancelled = deps({
      checkpoint: async () => {
        if (++calls > 5) throw new Error(CANCELLED);
      },
    });
    await expect(buildRows(files, cancelled, new Budget(), () => {})).rejects.toThrow(CANCELLED);
  });

  it('reads JSON Lines in chunks, a line split across chunks kept whole', async () => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const text = [
      '{"a":1}',
      JSON.stringify({ s: long }),
      '',
      JSON.stringify({ s: `${long}é` }),
      '{"b":2}',
    ].join('\n');
    const lines = [];
    for await (const l of jsonLines(new Blob([text]))) lines.push(l);
    expect(lines.map((l) => l.line)).toEqual([1, 2, 4, 5]);
    expect(JSON.parse(lines[2].text).s).toBe(`${long}é`);
    expect(JSON.parse(lines[3].text)).toEqual({ b: 2 });
  });
});
