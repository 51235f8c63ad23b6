import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { evaluate, maskFromRgba, type EvalItem, type EvalReport, type RealSettings } from '../real';
import type { GenerateOptions } from '../workers/engine/generate';
import { finiteJson } from './finite-json';
import { pngDataUrl, readImageFile } from './image-file';
import { formatReport } from './report-table';
import { writeTraceFile } from './trace-out';
import { loadModelDir, runToTrace } from './run-model';
import { fileNameFromId, outputFileFor, pathInside, readInputText } from './safe-file';

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

/**
 * The index, checked before anything runs: image and mask paths must stay in
 * DIR, and with --traces every id must be a plain file name, once.
 */
function readIndex(dir: string, idsAreFileNames: boolean): IndexEntry[] {
  const where = join(dir, 'index.json');
  let json: unknown;
  const text = readInputText(where, 'index', { inside: dir });
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(json) || json.length === 0)
    throw new Error(`${where}: expected a non-empty list of images`);
  const seen = new Map<string, number>();
  return json.map((e, i) => {
    if (typeof e?.image !== 'string' || (e.label !== 0 && e.label !== 1)) {
      throw new Error(`${where}: [${i}]: expected { image, mask, label: 0 | 1 }`);
    }
    if (e.label === 1 && typeof e.mask !== 'string')
      throw new Error(`${where}: [${i}].mask: an anomalous image needs its mask`);
    if (e.mask !== undefined && e.mask !== null && typeof e.mask !== 'string')
      throw new Error(`${where}: [${i}].mask: expected a path or null`);
    if (e.id !== undefined && typeof e.id !== 'string')
      throw new Error(`${where}: [${i}].id: expected a string`);
    const id: string = e.id ?? basename(e.image);
    if (idsAreFileNames) {
      fileNameFromId(id, `${where}: [${i}].id`);
      const other = seen.get(id);
      if (other !== undefined)
        throw new Error(
          `${where}: [${i}].id ${JSON.stringify(id)}: also the id of [${other}]; each trace needs its own file`,
        );
      seen.set(id, i);
    }
    const image = pathInside(dir, e.image, `${where}: [${i}].image`);
    const mask = typeof e.mask === 'string' ? pathInside(dir, e.mask, `${where}: [${i}].mask`) : null;
    return { id, image, mask, label: e.label };
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
  const entries = readIndex(dir, tracesOut !== undefined);
  const model = await loadModelDir(modelDir);
  const items: EvalItem[] = [];
  if (tracesOut) mkdirSync(tracesOut, { recursive: true });
  try {
    for (const [i, e] of entries.entries()) {
      const image = readImageFile(e.image, 'model-input', { inside: dir });
      const trace = await runToTrace(model, image, options);
      trace.label = e.label;
      let mask: Uint8Array | null = null;
      if (e.mask) {
        const m = readImageFile(e.mask, 'mask', { inside: dir });
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
        writeTraceFile(outputFileFor(tracesOut, e.id, '.json', 'id'), trace, { form: 'json' });
      }
      items.push({ trace, label: e.label, width: image.width, height: image.height, mask });
      progress(i + 1, entries.length, e.id);
    }
  } finally {
    await model.release();
  }
  const report = evaluate(items, settings);
  return {
    report,
    table: formatReport(report),
    json: finiteJson(report, { space: 2, undefinedAsNull: true }),
  };
}
