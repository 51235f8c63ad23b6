import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, parseTrace, traceImageUrl, type EvalItem, type EvalReport, type RealSettings } from '../real';
import { decodePngDataUrl, maskFromPng } from './png';
import { formatReport } from './report-table';

/**
 * `real eval-traces DIR`: the evaluation of section 5.1 over saved traces
 * that carry `label` and, for anomalous images, `mask` (PNG data URLs).
 */
export function loadEvalItems(dir: string): EvalItem[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no .json trace files`);
  return files.map((f) => {
    const where = join(dir, f);
    const trace = (() => {
      try {
        return parseTrace(readFileSync(where, 'utf8'));
      } catch (e) {
        throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
      }
    })();
    if (trace.label === undefined)
      throw new Error(`${where}: label: needed for evaluation (1 anomalous, 0 normal)`);
    if (trace.mask) {
      const png = decodePngDataUrl(trace.mask, `${where}: mask`);
      return { trace, label: trace.label, width: png.width, height: png.height, mask: maskFromPng(png) };
    }
    if (trace.label === 1) throw new Error(`${where}: mask: an anomalous image needs its mask`);
    const image = traceImageUrl(trace);
    if (!image)
      throw new Error(`${where}: image: a normal image without a mask needs its image for the size`);
    const png = decodePngDataUrl(image, `${where}: image`);
    return { trace, label: trace.label, width: png.width, height: png.height, mask: null };
  });
}

export function evalTracesCommand(
  dir: string,
  settings: RealSettings,
): { json: string; table: string; report: EvalReport } {
  const report = evaluate(loadEvalItems(dir), settings);
  return { json: JSON.stringify(report, null, 2), table: formatReport(report), report };
}
