import { join } from 'node:path';
import type { RealSettings } from '../real';
import type { GenerateOptions } from '../workers/engine/generate';
import { UsageError } from './args';
import { DatasetError, LAYOUTS, parseShard, type Layout } from './dataset';
import { evalCommand, type EvalProgress } from './eval-command';
import { writeFileAtomic } from './eval-output';
import { evalTracesCommand } from './eval-traces-command';
import type { RuntimeChoice } from './node-ort';
import { formatTable } from './report-table';

/**
 * The flags of `real eval` and `real eval-traces` beyond the method's and
 * generation's, and what the two commands print: the table and the failed
 * images on standard error, the report on standard output. Exit 0, or 1 when
 * an image failed (the report is of the rest); bad input exits 2 before
 * anything is written (real.ts).
 */
export const EVAL_OPTIONS = {
  layout: { type: 'string' },
  category: { type: 'string' },
  shard: { type: 'string' },
  'trace-format': { type: 'string' },
  format: { type: 'string' },
  table: { type: 'string' },
  'pixel-budget': { type: 'string' },
} as const;

export const EVAL_USAGE = `  real eval ROOT --model DIR [--traces OUT] [--layout mvtec|visa|index] [--category NAME] [--shard I/N]
             [--trace-format json|rtrace] [--format csv|md [--table FILE]] [--pixel-budget N] [GENERATION] [SIZING] [RUNTIME] [METHOD]
  real eval-traces DIR [--format csv|md [--table FILE]] [--pixel-budget N] [METHOD]
METHOD: [--alpha A] [--beta B] [--k K] [--layers FROM:TO]`;

type Values = Record<string, string | boolean | undefined>;

const str = (v: Values, k: string) => {
  const x = v[k];
  if (x === undefined) return undefined;
  if (typeof x !== 'string') throw new UsageError(`--${k} needs a value`);
  return x;
};

function tableFormat(v: Values): 'csv' | 'md' | null {
  const f = str(v, 'format');
  if (f === undefined) {
    if (v.table !== undefined) {
      const t = str(v, 'table')!;
      if (/\.csv$/i.test(t)) return 'csv';
      if (/\.md$/i.test(t)) return 'md';
      throw new UsageError(`--table ${t}: give --format csv|md, or a file name ending in .csv or .md`);
    }
    return null;
  }
  if (f !== 'csv' && f !== 'md') throw new UsageError(`--format ${f}: expected csv or md`);
  return f;
}

function pixelBudget(v: Values): number | undefined {
  const b = str(v, 'pixel-budget');
  if (b === undefined) return undefined;
  if (!/^\d+$/.test(b) || Number(b) < 1 || Number(b) > 2 ** 30)
    throw new UsageError(`--pixel-budget ${b}: expected a whole number of pixels from 1 to ${2 ** 30}`);
  return Number(b);
}

function duration(minutes: number): string {
  if (!Number.isFinite(minutes)) return '?';
  const s = Math.round(minutes * 60);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One progress line: images done, images per minute (of those run), time left. */
export function progressLine(p: EvalProgress): string {
  const minutes = p.elapsedMs / 60000;
  const rate = p.ran > 0 && minutes > 0 ? p.ran / minutes : null;
  const left = rate ? (p.total - p.done) / rate : null;
  return [
    p.shard ? `[shard ${p.shard}]` : null,
    `${p.done}/${p.total} images`,
    p.resumed ? `(${p.resumed} from earlier traces)` : null,
    rate !== null ? `${rate.toFixed(1)} images/min` : null,
    left !== null ? `about ${duration(left)} left` : null,
    p.current,
  ]
    .filter(Boolean)
    .join('  ');
}

function progressPrinter(err: (s: string) => void, oneLine: (s: string) => string) {
  let lastPrinted = 0;
  return (p: EvalProgress) => {
    const line = oneLine(progressLine(p));
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}${p.done === p.total ? '\n' : ''}`);
    else if (p.done === p.total || p.done % 10 === 0 || Date.now() - lastPrinted > 30_000) {
      err(line);
      lastPrinted = Date.now();
    }
  };
}

export interface EvalMainContext {
  target: string;
  values: Values;
  settings: RealSettings;
  generation: GenerateOptions;
  /** --runtime / --device (node-ort.ts); the native CPU when absent. */
  runtime?: RuntimeChoice;
  model: () => string;
  err: (s: string) => void;
  out: (s: string) => void;
  oneLine: (s: string) => string;
}

/** `real eval` and `real eval-traces`; returns the exit code. */
export async function evalMain(command: 'eval' | 'eval-traces', c: EvalMainContext): Promise<number> {
  const v = c.values;
  const format = tableFormat(v);
  const budget = pixelBudget(v);
  const tableTo = (dir: string | undefined) => {
    if (!format) return null;
    const t = str(v, 'table');
    if (t !== undefined) return t;
    if (!dir)
      throw new UsageError(
        `--format ${format}: needs --table FILE (or --traces OUT, to write OUT/table.${format})`,
      );
    return join(dir, `table.${format}`);
  };
  try {
    if (command === 'eval-traces') {
      const table = tableTo(c.target);
      const r = evalTracesCommand(c.target, c.settings, { pixelBudget: budget });
      c.err(r.table);
      if (table) writeFileAtomic(table, formatTable(r.report, format!));
      c.out(r.json);
      return 0;
    }
    const layout = str(v, 'layout');
    if (layout !== undefined && !LAYOUTS.includes(layout as Layout))
      throw new UsageError(`--layout ${layout}: expected ${LAYOUTS.join(', ')}`);
    const traceFormat = str(v, 'trace-format');
    if (traceFormat !== undefined && traceFormat !== 'json' && traceFormat !== 'rtrace')
      throw new UsageError(`--trace-format ${traceFormat}: expected json or rtrace`);
    if (traceFormat !== undefined && v.traces === undefined)
      throw new UsageError('--trace-format: needs --traces OUT');
    const shardRaw = str(v, 'shard');
    const shard = shardRaw === undefined ? null : parseShard(shardRaw);
    const traces = str(v, 'traces');
    const table = tableTo(traces);
    const r = await evalCommand({
      root: c.target,
      modelDir: c.model(),
      settings: c.settings,
      generation: c.generation,
      runtime: c.runtime,
      dtype: str(v, 'dtype'),
      traces,
      traceFormat: traceFormat as 'json' | 'rtrace' | undefined,
      layout: layout as Layout | undefined,
      category: str(v, 'category'),
      shard,
      pixelBudget: budget,
      progress: progressPrinter(c.err, c.oneLine),
    });
    c.err(r.table);
    if (table) writeFileAtomic(table, formatTable(r.report, format!));
    c.out(r.json);
    if (r.failed.length) {
      c.err(
        `\n${r.failed.length} of ${r.report.images + r.failed.length} images failed (the report is of the rest):`,
      );
      for (const f of r.failed) c.err(`  ${c.oneLine(`${f.image}: ${f.why}`)}`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof DatasetError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}
