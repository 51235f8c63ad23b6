/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { traceImageUrl, type RealSettings } from '../real';
import { buildSummaryRow, summaryMask } from '../real/run-set/summary';
import type { RunSetWorkerApi } from './run-set-api';
import { Budget, buildRows, readSummaries, type RunSetDeps } from './run-set/open-run-set';
import { categoryFromPath, readTraceBlob } from './run-set/read-trace-blob';
import {
  decodeMask,
  imageBytes,
  maskOutline,
  outlineOf,
  thumbnail,
  THUMBNAIL_SIDE,
} from './run-set/worker-images';
import { CANCELLED } from './trace-api';

/**
 * The run-set worker (run-set-api.ts): a folder of traces read for the
 * gallery, beside the trace worker, so opening one run from the gallery
 * (in the trace worker) never waits for, or stops, the set's reading.
 */

/** Bumped by cancel: calls begun before it stop at their next checkpoint. */
let generation = 0;
const budget = new Budget();
let lastYield = 0;
const YIELD_MS = 30;

/** One trace's row: the trace read whole, its mask decoded, thumbnails made, then all of it dropped. */
async function buildRow(file: Blob, path: string, settings: RealSettings) {
  const trace = await readTraceBlob(file);
  // The image and mask from their headers first (the one pixel limit), as the trace worker checks them.
  const url = traceImageUrl(trace);
  const image = url && /^data:image\/(png|jpeg);/.test(url) ? imageBytes(url, 'image', true) : null;
  const maskImage = trace.mask ? imageBytes(trace.mask, 'mask', false) : null;
  const [mask, imageThumb, maskThumb] = await Promise.all([
    maskImage && decodeMask(maskImage),
    image && thumbnail(image, 'image/jpeg'),
    maskImage && thumbnail(maskImage, 'image/png'),
  ]);
  const row = buildSummaryRow({
    trace,
    file: path,
    ...categoryFromPath(path),
    mask,
    settings,
    thumbnails: { image: imageThumb, mask: maskThumb },
  });
  // The outline of the mask as a tile shows it (at most the thumbnail's size), from the pixels in hand.
  const small = mask && summaryMask(mask, THUMBNAIL_SIDE);
  return { row, maskOutline: small ? outlineOf(small.data, small.width, small.height) : null };
}

function deps(mine: number, settings: RealSettings | null): RunSetDeps {
  // Each call's own; they share the worker's budget of traces in memory.
  return {
    buildRow: (file, path) => buildRow(file, path, settings!),
    maskOutline,
    async checkpoint() {
      // Yields (so a cancel gets in) every few milliseconds, not at every call: nested timers are clamped to 4 ms.
      if (performance.now() - lastYield >= YIELD_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      if (mine !== generation) throw new Error(CANCELLED);
    },
    now: () => performance.now(),
  };
}

const api: RunSetWorkerApi = {
  summaries(files, tracePaths, onBatch) {
    return readSummaries(files, tracePaths, deps(generation, null), onBatch);
  },
  build(traces, settings, onBatch) {
    return buildRows(traces, deps(generation, settings), budget, onBatch);
  },
  cancel() {
    generation++;
  },
};

Comlink.expose(api);
