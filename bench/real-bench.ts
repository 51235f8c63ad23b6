/**
 * `npm run bench:real`: how long the method takes on a Qwen2-VL-sized trace,
 * and how the CLI and the binary form do at Qwen2.5-VL-3B size. A benchmark,
 * not a test: it measures and prints. Targets on this machine: a full
 * rescore under 50 ms, one token's map under 2 ms (Qwen2-VL size); the CLI
 * scores the Qwen2.5-VL-3B-sized binary trace in ≤ 5 s and ≤ 1 GB.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultSettings,
  layerCount,
  meanAtPositions,
  parseBinaryTrace,
  prepareTrace,
  resolveLayers,
  scorePrepared,
  withDefaults,
  type AnyTrace,
} from '../src/real';
import { writeTraceFile } from '../src/cli/trace-out';
import { qwen25vl3bTrace, syntheticTrace } from './synthetic-trace';

function time(fn: () => void, runs: number): { median: number; p95: number } {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { median: t[Math.floor(runs / 2)], p95: t[Math.min(runs - 1, Math.floor(runs * 0.95))] };
}

type Row = readonly [string, { median: number; p95: number }, number | null];

function table(rows: readonly Row[]): void {
  console.log('| measurement | median ms | p95 ms | target ms | met |');
  console.log('|---|---:|---:|---:|---|');
  for (const [name, r, target] of rows) {
    const met = target === null ? '' : r.median < target ? 'yes' : 'NO';
    console.log(`| ${name} | ${r.median.toFixed(3)} | ${r.p95.toFixed(3)} | ${target ?? '—'} | ${met} |`);
  }
}

/**
 * The method's timings on a trace: full rescore, α change, one token's map, a
 * layer-range change, against `targets` (null: none, as for the full rescore
 * at Qwen2.5-VL-3B size, which the app runs in its trace worker when opening).
 */
function methodRows(trace: AnyTrace, runs: number, targets: (number | null)[]): Row[] {
  const settings = defaultSettings();
  const layers = resolveLayers(null, layerCount(trace));
  const image = Int32Array.from(trace.imagePositions);
  const n = trace.generated.length;
  // Warm up the JIT before measuring.
  for (let i = 0; i < 3; i++) scorePrepared(prepareTrace(trace, settings), settings);
  const full = time(() => scorePrepared(prepareTrace(trace, settings), settings), runs);
  const prepared = prepareTrace(trace, settings);
  const alphaOnly = time(() => scorePrepared(prepared, withDefaults({ alpha: Math.random() })), 100);
  let g = 1;
  const oneMap = time(() => {
    meanAtPositions(trace.generated[(g = (g % (n - 10)) + 1)].attention, image, layers);
  }, 500);
  const half = Math.floor(layers.to / 2);
  const range = withDefaults({ layers: { from: half - 4, to: layers.to } });
  const layerChange = time(() => scorePrepared(prepareTrace(trace, range), range), Math.max(5, runs / 3));
  const cells = trace.grid.rows * trace.grid.cols;
  return [
    [`full rescore (prepare + score, all ${layers.to + 1} layers)`, full, targets[0]],
    ['rescore after α/β change (prepared kept)', alphaOnly, targets[1]],
    [`one token's map (${layers.to + 1}-layer mean at ${cells} cells)`, oneMap, targets[2]],
    [`layer-range change (prepare + score, layers ${half - 4}:${layers.to})`, layerChange, targets[3]],
  ];
}

{
  const t0 = performance.now();
  const trace = syntheticTrace();
  const built = performance.now() - t0;
  console.log(
    `synthetic trace: 28 layers, 15×15 grid, 600 prompt+image positions, 600 generated (built in ${built.toFixed(0)} ms)`,
  );
  table(methodRows(trace, 30, [50, 50, 2, null]).slice(0, 3));
}

{
  const dir = mkdtempSync(join(tmpdir(), 'real-bench-'));
  const file = join(dir, 'qwen2.5-vl-3b-sized.rtrace');
  try {
    const t0 = performance.now();
    writeTraceFile(file, qwen25vl3bTrace(), { form: 'binary', dtype: 'float16' });
    const wrote = performance.now() - t0;
    const bytes = statSync(file).size;
    const t1 = performance.now();
    const trace = parseBinaryTrace(readFileSync(file));
    const read = performance.now() - t1;
    console.log(
      `\nQwen2.5-VL-3B-sized trace: 36 layers, 36×36 grid, 1,400 prompt+image positions, 600 generated; ` +
        `binary float16 ${(bytes / 1e6).toFixed(1)} MB (built and written in ${(wrote / 1000).toFixed(1)} s, read and checked in ${read.toFixed(0)} ms; rows stay float16)`,
    );
    table(methodRows(trace, 9, [null, 50, 2, 1000]));

    // The CLI as users run it, timed with GNU time for its peak memory when the machine has it.
    const gnuTime = existsSync('/usr/bin/time');
    const args = ['run', '--silent', 'real', '--', 'score', file];
    const wall = performance.now();
    const r = gnuTime
      ? spawnSync('/usr/bin/time', ['-f', 'maxrss_kb=%M', 'npm', ...args], {
          encoding: 'utf8',
          maxBuffer: 1 << 26,
        })
      : spawnSync('npm', args, { encoding: 'utf8', maxBuffer: 1 << 26 });
    const seconds = (performance.now() - wall) / 1000;
    const rss = /maxrss_kb=(\d+)/.exec(r.stderr ?? '');
    const mb = rss ? Number(rss[1]) / 1024 : NaN;
    const ok = r.status === 0 && JSON.parse(r.stdout).map.length === 1296;
    console.log(
      '\n| `real score` on that binary trace (npm run, tsx start included) | measured | target | met |',
    );
    console.log('|---|---:|---:|---|');
    console.log(`| wall time | ${seconds.toFixed(2)} s | 5 s | ${ok && seconds <= 5 ? 'yes' : 'NO'} |`);
    console.log(
      `| peak memory (max RSS) | ${rss ? `${mb.toFixed(0)} MB` : 'n/a (no /usr/bin/time)'} | 1024 MB | ${rss ? (mb <= 1024 ? 'yes' : 'NO') : '?'} |`,
    );
    if (!ok) console.log(`real score failed: exit ${r.status}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
