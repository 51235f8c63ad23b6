import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  evaluate,
  maskFromRgba,
  serializeTrace,
  type EvalItem,
  type EvalReport,
  type RealSettings,
} from '../real';
import type { GenerateOptions } from '../workers/engine/generate';
import { pngDataUrl, readImageFile } from './image-file';
import { formatReport } from './report-table';
import { loadModelDir, runToTrace } from './run-model';

/**
 * `real eval DIR --model DIR`: run the model on every image of an evaluation
 * set and report section 5.1's metrics for the four maps of the ablation.
 * DIR holds index.json: [{ id, image, mask (or null), label }, …], paths
 * relative to DIR (the layout of public/samples).
 */
interface IndexEntry {
  id: string;
  image: string;
  mask: string | null;
  label: 0 | 1;
}

function readIndex(dir: string): IndexEntry[] {
  const where = join(dir, 'index.json');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(where, 'utf8'));
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
  if (!Array.isArray(json) || json.length === 0)
    throw new Error(`${where}: expected a non-empty list of images`);
  return json.map((e, i) => {
    if (typeof e?.image !== 'string' || (e.label !== 0 && e.label !== 1)) {
      throw new Error(`${where}: [${i}]: expected { image, mask, label: 0 | 1 }`);
    }
    if (e.label === 1 && typeof e.mask !== 'string')
      throw new Error(`${where}: [${i}].mask: an anomalous image needs its mask`);
    return { id: String(e.id ?? basename(e.image)), image: e.image, mask: e.mask ?? null, label: e.label };
  });
}

export async function evalCommand(
  dir: string,
  modelDir: string,
  settings: RealSettings,
  tracesOut: string | undefined,
  progress: (done: number, total: number, id: string) => void,
  options: GenerateOptions = {},
): Promise<{ report: EvalReport; table: string; json: string }> {
  const entries = readIndex(dir);
  const model = await loadModelDir(modelDir);
  const items: EvalItem[] = [];
  if (tracesOut) mkdirSync(tracesOut, { recursive: true });
  try {
    for (const [i, e] of entries.entries()) {
      const image = readImageFile(join(dir, e.image));
      const trace = await runToTrace(model, image, options);
      trace.label = e.label;
      let mask: Uint8Array | null = null;
      if (e.mask) {
        const m = readImageFile(join(dir, e.mask));
        if (m.width !== image.width || m.height !== image.height) {
          throw new Error(
            `${e.mask}: the mask is ${m.width}×${m.height}, the image ${image.width}×${image.height}`,
          );
        }
        mask = maskFromRgba(m.data, m.width * m.height);
        trace.mask = pngDataUrl(m);
      }
      if (tracesOut) {
        trace.image = pngDataUrl(image);
        writeFileSync(join(tracesOut, `${e.id}.json`), serializeTrace(trace));
      }
      items.push({ trace, label: e.label, width: image.width, height: image.height, mask });
      progress(i + 1, entries.length, e.id);
    }
  } finally {
    await model.release();
  }
  const report = evaluate(items, settings);
  return { report, table: formatReport(report), json: JSON.stringify(report, null, 2) };
}
