import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSummaryRow,
  EvalAccumulator,
  prepareTrace,
  RUN_SUMMARY_FORMAT,
  summaryHeader,
  traceImageUrl,
  type AnyTrace,
  type BinaryMask,
  type EvalItem,
  type EvalReport,
  type RealSettings,
  type RunSummaryHeader,
} from '../real';
import { decodeImage } from './image-file';
import { reportPath, summaryPath, SummaryWriter, writeFileAtomic } from './eval-output';
import { finiteJson } from './finite-json';
import { decodePngDataUrl, maskFromPng, pngDataUrlSize } from './png';
import { formatReport } from './report-table';
import { imageThumbnail, maskThumbnail } from './thumbnail';
import { readTraceFile } from './trace-file';
import { dataUrlBytes } from '../workers/engine/image-header';

/**
 * `real eval-traces DIR`: the evaluation of section 5.1 over saved traces
 * that carry `label` and, for anomalous images, `mask` (PNG data URLs): a
 * folder of traces, or the output of `real eval --traces` (one run, or the
 * shards of one merged), read one trace at a time. Traces under
 * `<category>/test/<defect>/` give the per-category report. Each file is read
 * only if it really lies in DIR (safe-file.ts); each mask's header is checked
 * before it is decoded. Writes DIR/summary.jsonl and DIR/report.json.
 */

const TRACE_FILE = /\.(json|rtrace)$/;
const CATEGORY_PATH = /^([^/]+)\/test\/([^/]+)\/[^/]+$/;

/** Every trace file under DIR, relative, `/`-separated, in code-unit order (as `real eval` sorts). */
export function traceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    if (depth > 16) return;
    for (const name of readdirSync(join(dir, rel))) {
      if (name.startsWith('.')) continue;
      const r = rel ? `${rel}/${name}` : name;
      let st;
      try {
        st = statSync(join(dir, r));
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(r, depth + 1);
      // The report beside the traces is not a trace.
      else if (TRACE_FILE.test(name) && !(rel === '' && /^report(\.shard-\d+-of-\d+)?\.json$/.test(name)))
        out.push(r);
    }
  };
  walk('', 0);
  out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < out.length; i++) {
    const stem = (f: string) => f.replace(TRACE_FILE, '');
    if (stem(out[i]) === stem(out[i - 1]))
      throw new Error(`${join(dir, out[i])}: a second trace of ${stem(out[i])} (${out[i - 1]}); keep one`);
  }
  return out;
}

interface LoadedItem extends EvalItem {
  mask: Uint8Array | null;
}

function loadItem(dir: string, f: string): { item: LoadedItem; trace: AnyTrace } {
  const where = join(dir, f);
  const trace = (() => {
    try {
      return readTraceFile(where, { inside: dir });
    } catch (e) {
      const m = (e as Error).message;
      throw new Error(m.startsWith(where) ? m : `${where}: ${m}`, { cause: e });
    }
  })();
  if (trace.label === undefined)
    throw new Error(`${where}: label: needed for evaluation (1 anomalous, 0 normal)`);
  const cat = CATEGORY_PATH.exec(f);
  const category = cat ? cat[1] : undefined;
  if (trace.mask) {
    const png = decodePngDataUrl(trace.mask, `${where}: mask`);
    return {
      item: {
        trace,
        label: trace.label,
        width: png.width,
        height: png.height,
        mask: maskFromPng(png),
        category,
      },
      trace,
    };
  }
  if (trace.label === 1) throw new Error(`${where}: mask: an anomalous image needs its mask`);
  // A normal image needs only its size: version 2 states it, a version-1 data URL's header gives it.
  if (typeof trace.image === 'object')
    return {
      item: {
        trace,
        label: trace.label,
        width: trace.image.width,
        height: trace.image.height,
        mask: null,
        category,
      },
      trace,
    };
  const image = traceImageUrl(trace);
  if (!image) throw new Error(`${where}: image: a normal image without a mask needs its image for the size`);
  const size = pngDataUrlSize(image, `${where}: image`);
  return { item: { trace, label: trace.label, ...size, mask: null, category }, trace };
}

/**
 * What the summaries already in DIR (a run's or its shards') know that the
 * traces do not: the dataset and model of their header, and each row's
 * category and defect (an index's defects). Only a cache: unreadable lines
 * are passed over.
 */
function knownFromSummaries(dir: string): {
  header: Pick<RunSummaryHeader, 'dataset' | 'model'>;
  rows: Map<string, { category: string | null; defect: string | null }>;
} {
  const header: Pick<RunSummaryHeader, 'dataset' | 'model'> = {};
  const rows = new Map<string, { category: string | null; defect: string | null }>();
  for (const name of readdirSync(dir).sort()) {
    if (!/^summary(\.shard-\d+-of-\d+)?\.jsonl$/.test(name)) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, name), 'utf8');
    } catch {
      continue;
    }
    text.split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const v = JSON.parse(line);
        if (i === 0 && v?.format === RUN_SUMMARY_FORMAT) {
          header.dataset ??= v.dataset;
          header.model ??= v.model;
        } else if (i > 0 && typeof v?.trace === 'string')
          rows.set(v.trace, { category: v.category ?? null, defect: v.defect ?? null });
      } catch {
        // A broken line is only a missing cache entry.
      }
    });
  }
  return { header, rows };
}

function thumbnailOf(trace: AnyTrace): string | null {
  const url = traceImageUrl(trace);
  if (!url || !/^data:image\/(png|jpeg);base64,/.test(url)) return null;
  try {
    return imageThumbnail(decodeImage(dataUrlBytes(url, 'image', true), 'image', 'mask'));
  } catch {
    return null;
  }
}

export interface EvalTracesOptions {
  pixelBudget?: number;
  /** Write DIR/summary.jsonl and DIR/report.json (the CLI does; tests may not). */
  write?: boolean;
}

export function evalTracesCommand(
  dir: string,
  settings: RealSettings,
  options: EvalTracesOptions = {},
): { json: string; table: string; report: EvalReport; written: string[] } {
  const files = traceFiles(dir);
  if (files.length === 0) throw new Error(`${dir}: no trace files (.json or .rtrace)`);
  const categorised = files.every((f) => CATEGORY_PATH.test(f));
  const categories = categorised
    ? [...new Set(files.map((f) => CATEGORY_PATH.exec(f)![1]))].sort()
    : undefined;
  const acc = new EvalAccumulator(settings, { categories, pixelBudget: options.pixelBudget });
  const write = options.write ?? true;
  let summary: SummaryWriter | null = null;
  const written: string[] = [];
  const known: ReturnType<typeof knownFromSummaries> = write
    ? knownFromSummaries(dir)
    : { header: {}, rows: new Map() };
  try {
    for (const f of files) {
      const { item, trace } = loadItem(dir, f);
      if (!categorised) delete item.category;
      const prepared = prepareTrace(trace, settings);
      if (write && !summary) {
        const m = trace.modelInfo;
        summary = new SummaryWriter(
          summaryPath(dir, null),
          summaryHeader(settings, {
            model:
              known.header.model ??
              (m ? { name: m.name, family: m.family, source: m.source, dtype: m.dtype } : undefined),
            ...(known.header.dataset ? { dataset: known.header.dataset } : {}),
          }),
        );
      }
      if (summary) {
        const mask: BinaryMask | null = item.mask
          ? { width: item.width, height: item.height, data: item.mask }
          : null;
        const cat = CATEGORY_PATH.exec(f);
        summary.add(
          buildSummaryRow({
            trace,
            file: f,
            category: cat ? cat[1] : (known.rows.get(f)?.category ?? null),
            defect: cat ? cat[2] : (known.rows.get(f)?.defect ?? null),
            label: item.label,
            mask,
            settings,
            prepared,
            thumbnails: { image: thumbnailOf(trace), mask: mask ? maskThumbnail(mask) : null },
          }),
        );
      }
      acc.add(item, prepared);
    }
  } catch (e) {
    summary?.abandon();
    throw e;
  }
  const report = acc.report();
  const json = finiteJson(report, { space: 2, undefinedAsNull: true });
  if (summary) {
    summary.finish();
    written.push(summary.path);
    const at = reportPath(dir, null);
    writeFileAtomic(at, `${json}\n`);
    written.push(at);
  }
  return { json, table: formatReport(report), report, written };
}
