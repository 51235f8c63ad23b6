import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, traceImageUrl, type EvalItem, type EvalReport, type RealSettings } from '../real';
import { finiteJson } from './finite-json';
import { decodePngDataUrl, maskFromPng, pngDataUrlSize } from './png';
import { formatReport } from './report-table';
import { readTraceFile } from './trace-file';

/**
 * `real eval-traces DIR`: the evaluation of section 5.1 over saved traces
 * that carry `label` and, for anomalous images, `mask` (PNG data URLs).
 * Each file is read only if it really lies in DIR (safe-file.ts); each mask's
 * header is checked before it is decoded.
 */
export function loadEvalItems(dir: string): EvalItem[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') || f.endsWith('.rtrace'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no trace files (.json or .rtrace)`);
  return files.map((f) => {
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
    if (trace.mask) {
      const png = decodePngDataUrl(trace.mask, `${where}: mask`);
      return { trace, label: trace.label, width: png.width, height: png.height, mask: maskFromPng(png) };
    }
    if (trace.label === 1) throw new Error(`${where}: mask: an anomalous image needs its mask`);
    // A normal image needs only its size: version 2 states it, a version-1 data URL's header gives it.
    if (typeof trace.image === 'object')
      return { trace, label: trace.label, width: trace.image.width, height: trace.image.height, mask: null };
    const image = traceImageUrl(trace);
    if (!image)
      throw new Error(`${where}: image: a normal image without a mask needs its image for the size`);
    const size = pngDataUrlSize(image, `${where}: image`);
    return { trace, label: trace.label, ...size, mask: null };
  });
}

export function evalTracesCommand(
  dir: string,
  settings: RealSettings,
): { json: string; table: string; report: EvalReport } {
  const report = evaluate(loadEvalItems(dir), settings);
  return {
    json: finiteJson(report, { space: 2, undefinedAsNull: true }),
    table: formatReport(report),
    report,
  };
}
