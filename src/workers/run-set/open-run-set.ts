import type { RealSettings } from '../../real';
import type { RunSummaryHeader, RunSummaryRow } from '../../real/run-set/summary-types';
import type {
  GalleryRow,
  MaskOutline,
  RunSetBatch,
  RunSetBuilt,
  RunSetFailure,
  RunSetFile,
  RunSetSummaries,
} from '../run-set-api';
import { CANCELLED } from '../trace-api';
import {
  jsonLines,
  readSummaryHeader,
  readSummaryRow,
  readSummarySettings,
  resolveRowPath,
  sameSettings,
} from './summary-file';

/**
 * A run set, read for the gallery (the worker's side; run-set-api.ts says
 * what it does): its summaries, then the traces they do not cover. What
 * needs a browser (decoding images, scoring a trace) is passed in, so Node
 * tests drive it as the worker does.
 */

export interface RunSetDeps {
  /** The row of one trace file, scored from the trace (read, scored, dropped), with its mask's outline. */
  buildRow(file: Blob, path: string): Promise<{ row: RunSummaryRow; maskOutline: MaskOutline | null }>;
  /** The outline of a mask thumbnail (a data URL) as an SVG path in its pixels, or null. */
  maskOutline(maskThumbnail: string): Promise<MaskOutline | null>;
  /** Lets queued messages in (a cancel); throws CANCELLED when the open was cancelled. */
  checkpoint(): Promise<void>;
  /** Milliseconds, for batching. */
  now(): number;
}

export const isSummaryFile = (path: string) => /(^|\/)summary[^/]*\.jsonl$/.test(path);
export const isReportFile = (path: string) => /(^|\/)report[^/]*\.json$/.test(path);
/** Trace files: `.rtrace`, and `.json` that is not a summary, a report or a dataset index. */
export const isTraceFile = (path: string) =>
  path.endsWith('.rtrace') ||
  (path.endsWith('.json') && !isReportFile(path) && !/(^|\/)index\.json$/.test(path));

export const byPath = (a: { path: string }, b: { path: string }) =>
  a.path < b.path ? -1 : a.path > b.path ? 1 : 0;

/** The first batch goes out small (the first tiles), later ones by size or time. */
const FIRST_BATCH = 12;
const BATCH_ROWS = 24;
const BATCH_MS = 150;
/** Traces read and scored at once, and the most bytes of trace files in memory for it. */
const CONCURRENCY = 4;
const IN_FLIGHT_BYTES = 256 * 1024 * 1024;

/** What every build call of one worker shares: how many traces and bytes of trace files it holds now. */
export class Budget {
  private traces = 0;
  private bytes = 0;
  private waiting: (() => void)[] = [];
  constructor(
    readonly maxTraces = CONCURRENCY,
    readonly maxBytes = IN_FLIGHT_BYTES,
  ) {}
  /** Waits until one more file of `size` bytes may be read (a single larger file goes alone). */
  async take(size: number): Promise<void> {
    while (this.traces > 0 && (this.traces >= this.maxTraces || this.bytes + size > this.maxBytes))
      await new Promise<void>((r) => this.waiting.push(r));
    this.traces++;
    this.bytes += size;
  }
  give(size: number): void {
    this.traces--;
    this.bytes -= size;
    const w = this.waiting;
    this.waiting = [];
    w.forEach((r) => r());
  }
}

/** Rows and failures gathered and sent in batches: small at first, then by size or time. */
class Batcher {
  private rows: GalleryRow[] = [];
  private failures: RunSetFailure[] = [];
  private sent = 0;
  private last: number;
  constructor(
    private deps: Pick<RunSetDeps, 'now'>,
    private onBatch: (b: RunSetBatch) => void,
  ) {
    this.last = deps.now();
  }
  row(r: GalleryRow) {
    this.rows.push(r);
    this.flush();
  }
  failure(f: RunSetFailure) {
    this.failures.push(f);
    this.flush();
  }
  flush(force = false) {
    const n = this.rows.length + this.failures.length;
    const due =
      n >= (this.sent === 0 ? FIRST_BATCH : BATCH_ROWS) || (n > 0 && this.deps.now() - this.last >= BATCH_MS);
    if (!(due || (force && n > 0))) return;
    this.onBatch({ rows: this.rows, failures: this.failures });
    this.sent += n;
    this.rows = [];
    this.failures = [];
    this.last = this.deps.now();
  }
}

/**
 * Step 1: the union of every summary*.jsonl (a later file's row replacing an
 * earlier one's), rows sent for the traces in the folder; and the report
 * beside the summary, when there is one.
 */
export async function readSummaries(
  files: readonly RunSetFile[],
  traceList: readonly string[],
  deps: RunSetDeps,
  onBatch: (batch: RunSetBatch) => void,
): Promise<RunSetSummaries> {
  const traces = [...traceList].sort();
  const tracePaths = new Set(traces);
  const summaries = files.filter((f) => isSummaryFile(f.path)).sort(byPath);
  const notes: string[] = [];
  let header: RunSummaryHeader | null = null;
  let settings: RealSettings | null = null;
  let primary: RunSetFile | null = null;
  const fromSummary = new Map<string, RunSummaryRow>();
  for (const s of summaries) {
    let first = true;
    try {
      for await (const { line, text } of jsonLines(s.file)) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          if (first) throw new Error(`line ${line}: not JSON`);
          notes.push(`${s.path}, line ${line}: not JSON; that trace is scored from its file`);
          continue;
        }
        if (first) {
          const h = readSummaryHeader(json);
          const mine = readSummarySettings(h);
          first = false;
          // One set is one scoring: the first summary's settings; a file scored otherwise is left out.
          if (settings && !sameSettings(settings, mine)) {
            notes.push(
              `${s.path}: scored with other settings than ${primary!.path}; its traces are scored from their files`,
            );
            break;
          }
          header ??= h;
          settings ??= mine;
          primary ??= s;
          continue;
        }
        try {
          const row = readSummaryRow(json);
          const path = resolveRowPath(s.path, row.trace);
          if (path === null || !tracePaths.has(path)) {
            notes.push(`${s.path}, line ${line}: ${row.trace} is not in the folder; row left out`);
            continue;
          }
          fromSummary.set(path, { ...row, trace: path });
        } catch (e) {
          notes.push(`${s.path}, line ${line}: ${(e as Error).message}; that trace is scored from its file`);
        }
        if (line % 64 === 0) await deps.checkpoint();
      }
    } catch (e) {
      if ((e as Error).message === CANCELLED) throw e;
      notes.push(`${s.path}: not a run summary this app reads (${(e as Error).message}); left out`);
    }
  }
  const out = new Batcher(deps, onBatch);
  for (const path of traces) {
    const row = fromSummary.get(path);
    if (!row) continue;
    const outline = row.maskThumbnail ? await deps.maskOutline(row.maskThumbnail).catch(() => null) : null;
    out.row({ ...row, maskOutline: outline, source: 'summary' });
    await deps.checkpoint();
  }
  out.flush(true);

  // The report written with the summary the rows' settings are from (summary.jsonl's report.json, a
  // shard's its own), else a report.json at the top; used only when it counts the folder's traces (a
  // shard's report is of its slice, a report of an earlier run of another folder of other images).
  const pairedName = (p: string) => p.replace(/summary([^/]*)\.jsonl$/, 'report$1.json');
  const reportFile =
    (primary && files.find((f) => f.path === pairedName(primary!.path))) ??
    files.find((f) => f.path === 'report.json');
  let report: unknown = null;
  if (reportFile) {
    try {
      report = JSON.parse(await reportFile.file.text());
    } catch (e) {
      notes.push(
        `${reportFile.path}: not JSON (${oneLine((e as Error).message)}); numbers computed from rows`,
      );
    }
    const counted = isObject(report) ? report.images : undefined;
    if (report !== null && counted !== traces.length) {
      notes.push(
        `${reportFile.path} is of ${typeof counted === 'number' ? counted : 'an unknown number of'} images, the folder has ${traces.length} traces; numbers computed from rows`,
      );
      report = null;
    }
  }
  return {
    header,
    settings,
    report,
    reportPath: report !== null ? reportFile!.path : null,
    traces: traces.length,
    covered: [...fromSummary.keys()],
    notes,
  };
}

/**
 * Step 2: rows for traces no summary covers: each read, scored into a row
 * and dropped. A few at once (as many as `budget` allows, over every call
 * of the worker), so one file's reading or image decoding overlaps
 * another's scoring.
 */
export async function buildRows(
  traces: readonly RunSetFile[],
  deps: RunSetDeps,
  budget: Budget,
  onBatch: (batch: RunSetBatch) => void,
): Promise<RunSetBuilt> {
  const out = new Batcher(deps, onBatch);
  let built = 0;
  let failed = 0;
  const one = async (f: RunSetFile) => {
    await budget.take(f.file.size);
    try {
      await deps.checkpoint();
      const b = await deps.buildRow(f.file, f.path);
      out.row({ ...b.row, trace: f.path, maskOutline: b.maskOutline, source: 'built' });
      built++;
    } catch (e) {
      if ((e as Error).message === CANCELLED) throw e;
      failed++;
      out.failure({ path: f.path, reason: oneLine((e as Error).message) });
    } finally {
      budget.give(f.file.size);
    }
  };
  await Promise.all([...traces].sort(byPath).map(one));
  out.flush(true);
  return { built, failed };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function oneLine(m: string): string {
  const line = m.split('\n')[0];
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
