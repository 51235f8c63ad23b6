import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  buildSummaryRow,
  EvalAccumulator,
  prepareTrace,
  summaryHeader,
  type AnyTrace,
  type BinaryMask,
  type EvalReport,
  type RealSettings,
} from '../real';
import type { GenerateOptions } from '../workers/engine/generate';
import type { RgbaImage } from '../workers/engine/image';
import type { LoadedModel } from '../workers/engine/load-model';
import {
  DatasetError,
  imageFileSize,
  readDataset,
  shardOf,
  type Dataset,
  type DatasetEntry,
  type Layout,
  type MaskRule,
} from './dataset';
import { reportPath, summaryPath, SummaryWriter, writeFileAtomic } from './eval-output';
import { finiteJson } from './finite-json';
import { pngDataUrl, readImageFile } from './image-file';
import { decodePngDataUrl, maskFromPng } from './png';
import { formatReport } from './report-table';
import type { RuntimeChoice } from './node-ort';
import { loadModelDir, runToTrace } from './run-model';
import { imageThumbnail, maskPng, maskThumbnail } from './thumbnail';
import { readTraceFile } from './trace-file';
import { writeTraceFile } from './trace-out';

/**
 * `real eval ROOT --model DIR`: run the model on every test image of a
 * dataset (dataset.ts: MVTec AD, VisA or an index.json) and report section
 * 5.1's metrics for the four maps of the ablation, per category and on
 * average. One image at a time: its trace is written (with --traces) and
 * dropped, and only what the metrics need stays (evaluate.ts). With --shard
 * I/N it runs one of N disjoint slices; with --traces a rerun takes the
 * images whose trace is already there, complete and valid, from it.
 */

export interface EvalProgress {
  /** `I/N`, or null for a whole run. */
  shard: string | null;
  done: number;
  total: number;
  /** Images taken from an existing trace (not run again). */
  resumed: number;
  /** Images the model ran (for the rate). */
  ran: number;
  elapsedMs: number;
  current: string;
}

export interface FailedImage {
  image: string;
  why: string;
}

export interface EvalCommandOptions {
  root: string;
  modelDir: string;
  settings: RealSettings;
  generation?: GenerateOptions;
  dtype?: string;
  /** onnxruntime-node (the default) or onnxruntime-web's wasm (node-ort.ts). */
  runtime?: RuntimeChoice;
  traces?: string;
  traceFormat?: 'json' | 'rtrace';
  layout?: Layout;
  category?: string;
  shard?: { index: number; count: number } | null;
  pixelBudget?: number;
  progress?: (p: EvalProgress) => void;
  /** Loads the model (tests may give their own). */
  loadModel?: (dir: string, dtype?: string, runtime?: RuntimeChoice) => Promise<LoadedModel>;
}

export interface EvalResult {
  report: EvalReport;
  table: string;
  json: string;
  failed: FailedImage[];
  /** The files written beside the traces. */
  written: string[];
}

/** A mask image's pixels as 0/1, by the dataset's rule. */
export function maskBits(img: RgbaImage, rule: MaskRule): Uint8Array {
  const n = img.width * img.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = img.data[i * 4];
    out[i] = (rule === 'nonzero' ? r !== 0 : r > 127) ? 1 : 0;
  }
  return out;
}

/** Every image's and mask's size from their headers, before anything runs or is written. */
function preflight(set: Dataset, entries: readonly DatasetEntry[]): void {
  for (const e of entries) {
    const img = imageFileSize(e.image, 'image', set.root);
    if (!e.mask) continue;
    const m = imageFileSize(e.mask, 'mask', set.root);
    if (m.width !== img.width || m.height !== img.height)
      throw new DatasetError(
        `${e.mask}: the mask is ${m.width}×${m.height}, the image ${img.width}×${img.height}`,
      );
  }
}

/** A trace left by an earlier run of the same model on the same image, if it is complete and valid. */
function resumable(path: string, e: DatasetEntry, model: LoadedModel): AnyTrace | null {
  if (!existsSync(path)) return null;
  try {
    const t = readTraceFile(path);
    if (t.label !== e.label || (e.label === 1 && !t.mask)) return null;
    if (t.modelInfo?.name !== undefined && t.modelInfo.name !== model.info.name) return null;
    return t;
  } catch {
    return null;
  }
}

export async function evalCommand(o: EvalCommandOptions): Promise<EvalResult> {
  const set = readDataset(o.root, {
    layout: o.layout,
    category: o.category,
    idsAreFileNames: o.traces !== undefined,
  });
  const entries = shardOf(set.entries, o.shard ?? null);
  if (entries.length === 0)
    throw new DatasetError(
      `--shard ${o.shard!.index}/${o.shard!.count}: no images (the set has ${set.entries.length})`,
    );
  preflight(set, entries);
  const model = await (o.loadModel ?? loadModelDir)(o.modelDir, o.dtype, o.runtime);
  const ext = o.traceFormat === 'rtrace' ? '.rtrace' : '.json';
  const shardText = o.shard ? `${o.shard.index}/${o.shard.count}` : null;
  const acc = new EvalAccumulator(o.settings, {
    categories: set.categories ?? undefined,
    pixelBudget: o.pixelBudget,
  });
  const failed: FailedImage[] = [];
  const written: string[] = [];
  let summary: SummaryWriter | null = null;
  const started = Date.now();
  let resumed = 0;
  let ran = 0;
  try {
    if (o.traces) {
      mkdirSync(o.traces, { recursive: true });
      summary = new SummaryWriter(
        summaryPath(o.traces, o.shard ?? null),
        summaryHeader(o.settings, {
          model: { name: model.info.name, family: model.info.family, source: model.info.source },
          dataset: { layout: set.layout, name: set.name },
          ...(shardText ? { shard: shardText } : {}),
        }),
      );
    }
    for (const [i, e] of entries.entries()) {
      try {
        const file = `${e.key}${ext}`;
        const path = o.traces ? join(o.traces, file) : null;
        let trace = path ? resumable(path, e, model) : null;
        const image = readImageFile(e.image, 'model-input', { inside: set.root });
        let mask: BinaryMask | null = null;
        if (trace?.mask) {
          const png = decodePngDataUrl(trace.mask, `${path}: mask`);
          mask = { width: png.width, height: png.height, data: maskFromPng(png) };
          // A mask that does not fit the image is not this run's: run it again.
          if (png.width !== image.width || png.height !== image.height) [trace, mask] = [null, null];
        }
        if (trace) resumed++;
        else {
          const fresh = await runToTrace(model, image, o.generation ?? {});
          ran++;
          fresh.label = e.label;
          if (e.mask) {
            const m = readImageFile(e.mask, 'mask', { inside: set.root });
            if (m.width !== image.width || m.height !== image.height)
              throw new Error(
                `${e.mask}: the mask is ${m.width}×${m.height}, the image ${image.width}×${image.height}`,
              );
            mask = { width: m.width, height: m.height, data: maskBits(m, set.maskRule) };
            fresh.mask = maskPng(mask);
          }
          if (path) {
            fresh.image = pngDataUrl(image);
            mkdirSync(dirname(path), { recursive: true });
            writeTraceFile(
              path,
              fresh,
              ext === '.json' ? { form: 'json' } : { form: 'binary', dtype: 'float16' },
            );
          }
          // Score what was saved (a binary trace's float16 rows), so eval-traces gives the same numbers.
          trace = path && ext !== '.json' ? readTraceFile(path) : fresh;
        }
        const prepared = prepareTrace(trace, o.settings);
        const row = summary
          ? buildSummaryRow({
              trace,
              file,
              id: e.key,
              category: e.category,
              defect: e.defect,
              label: e.label,
              mask,
              settings: o.settings,
              prepared,
              thumbnails: { image: imageThumbnail(image), mask: mask ? maskThumbnail(mask) : null },
            })
          : null;
        acc.add(
          {
            trace,
            label: e.label,
            width: image.width,
            height: image.height,
            mask: mask?.data ?? null,
            category: e.category ?? undefined,
          },
          prepared,
        );
        if (row) summary!.add(row);
      } catch (err) {
        failed.push({ image: e.image, why: (err as Error).message });
      }
      o.progress?.({
        shard: shardText,
        done: i + 1,
        total: entries.length,
        resumed,
        ran,
        elapsedMs: Date.now() - started,
        current: e.key,
      });
    }
  } catch (err) {
    summary?.abandon();
    throw err;
  } finally {
    await model.release();
  }
  if (acc.size === 0) {
    summary?.abandon();
    throw new Error(`every image failed; the first: ${failed[0]?.image}: ${failed[0]?.why}`);
  }
  const report = acc.report();
  const json = finiteJson(report, { space: 2, undefinedAsNull: true });
  if (summary && o.traces) {
    summary.finish();
    written.push(summary.path);
    const at = reportPath(o.traces, o.shard ?? null);
    writeFileAtomic(at, `${json}\n`);
    written.push(at);
  }
  return { report, table: formatReport(report), json, failed, written };
}
